// onSubscribe handler of the `designers` channel namespace (AppSync Events, APPSYNC_JS runtime).
// /designers/<sub> is private: only that designer (Cognito sub) and the owner group may subscribe.
// The embedded stack runs the same rule in Python (functions/domain/live.py designer_channel_allowed);
// tests/api/test_live_channels.py gives both the same table of cases.
import { util } from '@aws-appsync/utils';

export function onSubscribe(ctx) {
  const identity = ctx.identity || {};
  const groups = identity.groups || [];
  if (groups.indexOf('owner') !== -1) {
    return;
  }
  const segments = ctx.info.channel.segments;
  if (segments.length === 2 && identity.sub && segments[1] === identity.sub) {
    return;
  }
  util.unauthorized();
}
