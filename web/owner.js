// The owner's page (#/owner, and #/reviews/<photoId> from the review emails): the review queue, quarantined
// uploads, held comments, take-downs and the insights. Every action goes through the owner-only API, which enforces the
// group; task tokens stay server-side (the API sends the decision). Images of unpublished uploads come as
// short-lived presigned URLs: the page reloads its lists before they expire (and when one fails to load).
import { api, ApiError } from './api.js';
import * as auth from './auth.js';
import { drawInsightsCharts } from './charts.js';
import { h } from './dom.js';

const REFRESH_SHARE = 0.8; // reload the lists after this share of the shortest image URL lifetime

const pct = (x) => `${Math.round(Number(x))}%`;
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

function labelList(labels, kind) {
  if (!labels || !labels.length) return null;
  return h(
    'ul',
    { class: 'labels', 'aria-label': kind },
    labels.map((l) =>
      h('li', { dir: 'auto', text: `${l.name || l.Name}${l.confidence ?? l.Confidence ? ` ${pct(l.confidence ?? l.Confidence)}` : ''}` }),
    ),
  );
}

function reasonsList(reasons) {
  return reasons && reasons.length
    ? h('ul', { class: 'reasons' }, reasons.map((r) => h('li', { dir: 'auto', text: r })))
    : null;
}

// -- sections: each is {title, id, render(container, ctx) -> Promise<expiresIn seconds | null>} ------------

const reviewSection = {
  id: 'reviews',
  title: 'Review queue',
  async render(box, ctx) {
    const answer = await api('GET', '/reviews');
    let reviews = answer.reviews;
    if (ctx.focus) {
      reviews = reviews.filter((r) => r.photoId === ctx.focus);
      if (!reviews.length) {
        box.append(
          h('p', { class: 'empty', text: 'This review is not pending any more (decided, or timed out).' }),
          h('p', {}, h('a', { href: '#/owner', text: 'Back to the review queue' })),
        );
        return null;
      }
    }
    if (!reviews.length) box.append(h('p', { class: 'empty', text: 'No uploads are waiting for your review.' }));
    const list = h('ul', { class: 'queue', 'aria-label': 'Pending reviews' });
    reviews.forEach((r) => list.append(reviewItem(r, ctx)));
    box.append(list);
    return reviews.length ? Math.min(...reviews.map((r) => r.imageUrlExpiresIn || 300)) : null;
  },
};

function reviewItem(r, ctx) {
  const release = r.kind === 'release';
  const [label, note] = [h('label', { for: `note-${r.photoId}`, text: 'Note (shown to the designer)' }), h('textarea', { id: `note-${r.photoId}`, rows: 2, maxlength: 500, dir: 'auto' })];
  const message = h('p', { class: 'form-message', role: 'status' });
  const decide = async (decision, button) => {
    button.disabled = true;
    message.className = 'form-message';
    message.textContent = '';
    try {
      await api('POST', `/reviews/${encodeURIComponent(r.photoId)}`, { decision, note: note.value });
      item.dataset.decided = decision;
      item.replaceChildren(h('p', { class: 'decided', text: `${r.title || 'Upload'} by ${r.designer}: ${decision === 'approve' ? (release ? 'released' : 'approved') : release ? 'kept in quarantine' : 'rejected'}.` }));
    } catch (error) {
      message.className = 'form-message error';
      message.textContent = error.message;
      button.disabled = false;
    }
  };
  const approve = h('button', { type: 'button', text: release ? 'Release' : 'Approve' });
  const reject = h('button', { type: 'button', class: 'secondary', text: release ? 'Keep in quarantine' : 'Reject' });
  approve.addEventListener('click', () => decide('approve', approve));
  reject.addEventListener('click', () => decide('reject', reject));
  const item = h(
    'li',
    { class: 'review', 'data-photo-id': r.photoId, id: `review-${r.photoId}` },
    h('img', { src: r.imageUrl, alt: `Upload by ${r.designer} waiting for review`, width: 160, height: 160, onerror: () => ctx.expired() }),
    h(
      'div',
      { class: 'review-body' },
      h('h3', { dir: 'auto', text: r.title || 'Untitled upload' }),
      h('p', { class: 'meta' }, h('span', { dir: 'auto', text: `by ${r.designer}` }), ` · ${r.kind === 'upload' ? 'new upload' : r.kind}`, ` · decide by ${when(r.deadline)}`),
      reasonsList(r.reasons),
      labelList(r.labels, 'Labels seen'),
      labelList(r.moderation, 'Moderation labels'),
      h('div', { class: 'decide' }, label, note, h('div', { class: 'buttons' }, approve, reject), message),
    ),
  );
  return item;
}

const quarantineSection = {
  id: 'quarantine',
  title: 'Quarantined uploads',
  async render(box, ctx) {
    const answer = await api('GET', '/quarantine');
    if (!answer.quarantined.length) box.append(h('p', { class: 'empty', text: 'Nothing is in quarantine.' }));
    const list = h('ul', { class: 'queue', 'aria-label': 'Quarantined uploads' });
    answer.quarantined.forEach((q) => list.append(quarantineItem(q, ctx)));
    box.append(list);
    return answer.quarantined.length ? Math.min(...answer.quarantined.map((q) => q.imageUrlExpiresIn || 300)) : null;
  },
};

function quarantineItem(q, ctx) {
  const note = h('textarea', { id: `qnote-${q.photoId}`, rows: 2, maxlength: 500, dir: 'auto' });
  const message = h('p', { class: 'form-message', role: 'status' });
  const button = h('button', { type: 'button', text: 'Send to review for release' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    message.className = 'form-message';
    try {
      await api('POST', `/quarantine/${encodeURIComponent(q.photoId)}/release`, { note: note.value || 'owner review' });
      message.textContent = 'Sent to the review queue: release or keep it there.';
      ctx.reloadSoon(); // the review appears once the workflow has recorded it (a second or two)
    } catch (error) {
      message.className = 'form-message error';
      message.textContent = error.message;
      button.disabled = false;
    }
  });
  return h(
    'li',
    { class: 'review', 'data-photo-id': q.photoId },
    h('img', { src: q.imageUrl, alt: `Quarantined upload by ${q.designer}`, width: 160, height: 160, class: 'withheld', onerror: () => ctx.expired() }),
    h(
      'div',
      { class: 'review-body' },
      h('h3', { dir: 'auto', text: q.title || 'Untitled upload' }),
      h('p', { class: 'meta' }, h('span', { dir: 'auto', text: `by ${q.designer}` }), ` · quarantined ${when(q.quarantinedAt)}`),
      reasonsList(q.reasons),
      labelList(q.moderation, 'Moderation labels'),
      q.releaseInReview
        ? h('p', { class: 'hint', text: 'A release is waiting in the review queue.' })
        : h('div', { class: 'decide' }, h('label', { for: `qnote-${q.photoId}`, text: 'Why release it?' }), note, h('div', { class: 'buttons' }, button, h('span', { class: 'hint', text: 'or leave it: it stays quarantined.' })), message),
    ),
  );
}

const takeDownSection = {
  id: 'take-down',
  title: 'Take a design down',
  async render(box) {
    const answer = await api('GET', '/designs?limit=50');
    if (!answer.designs.length) box.append(h('p', { class: 'empty', text: 'No designs are published.' }));
    const reason = h('input', { id: 'takedown-reason', maxlength: 500, dir: 'auto' });
    const message = h('p', { class: 'form-message', role: 'status' });
    box.append(h('div', { class: 'decide' }, h('label', { for: 'takedown-reason', text: 'Reason for a take-down (shown to the designer)' }), reason, message));
    const table = h('table', { class: 'data' }, h('thead', {}, h('tr', {}, ['Design', 'Designer', 'Published', ''].map((t) => h('th', { scope: 'col', text: t })))));
    const body = h('tbody');
    answer.designs.forEach((d) => {
      const button = h('button', { type: 'button', class: 'secondary', text: 'Take down', 'aria-label': `Take down ${d.title || d.designId}` });
      const row = h(
        'tr',
        { 'data-design-id': d.designId },
        h('td', {}, h('a', { href: `#/designs/${encodeURIComponent(d.designId)}`, dir: 'auto', text: d.title || 'Untitled design' })),
        h('td', { dir: 'auto', text: d.designer }),
        h('td', { text: when(d.publishedAt) }),
        h('td', {}, button),
      );
      button.addEventListener('click', async () => {
        message.className = 'form-message';
        message.textContent = '';
        if (!reason.value.trim()) {
          message.className = 'form-message error';
          message.textContent = 'Give a reason first: the designer is told why.';
          reason.focus();
          return;
        }
        button.disabled = true;
        try {
          await api('POST', `/designs/${encodeURIComponent(d.designId)}/takedown`, { note: reason.value });
          row.replaceChildren(h('td', { colspan: 4, class: 'decided', dir: 'auto', text: `${d.title || 'Untitled design'} was taken down.` }));
        } catch (error) {
          button.disabled = false;
          message.className = 'form-message error';
          message.textContent = error.message;
        }
      });
      body.append(row);
    });
    table.append(body);
    box.append(table);
    return null;
  },
};

const heldCommentsSection = {
  id: 'held-comments',
  title: 'Held comments',
  async render(box) {
    const answer = await api('GET', '/held-comments');
    if (!answer.comments.length) box.append(h('p', { class: 'empty', text: 'No comments are waiting for moderation.' }));
    const list = h('ul', { class: 'queue', 'aria-label': 'Held comments' });
    answer.comments.forEach((c) => list.append(heldCommentItem(c)));
    box.append(list);
    return null;
  },
};

function heldCommentItem(c) {
  const reason = h('textarea', { id: `creason-${c.commentId}`, rows: 2, maxlength: 500, dir: 'auto' });
  const message = h('p', { class: 'form-message', role: 'status' });
  const decide = async (decision, button) => {
    message.className = 'form-message';
    message.textContent = '';
    if (decision === 'reject' && !reason.value.trim()) {
      message.className = 'form-message error';
      message.textContent = 'Give a reason first: the author is told why.';
      reason.focus();
      return;
    }
    button.disabled = true;
    try {
      await api('POST', `/held-comments/${encodeURIComponent(c.commentId)}`, { decision, reason: reason.value });
      item.dataset.decided = decision;
      item.replaceChildren(h('p', { class: 'decided', text: `Comment by ${c.author}: ${decision === 'approve' ? 'shown' : 'rejected'}.` }));
    } catch (error) {
      message.className = 'form-message error';
      message.textContent = error.message;
      button.disabled = false;
    }
  };
  const show = h('button', { type: 'button', text: 'Show it' });
  const reject = h('button', { type: 'button', class: 'secondary', text: 'Reject' });
  show.addEventListener('click', () => decide('approve', show));
  reject.addEventListener('click', () => decide('reject', reject));
  const labels = (c.labels || []).map((l) => ({ name: l.Name, confidence: l.Score * 100 }));
  const item = h(
    'li',
    { class: 'review', 'data-comment-id': c.commentId },
    h(
      'div',
      { class: 'review-body' },
      h('blockquote', { dir: 'auto', text: c.originalText }),
      h('p', { class: 'meta' }, h('span', { dir: 'auto', text: `by ${c.author}` }), ' on ', h('a', { href: `#/designs/${encodeURIComponent(c.designId)}`, text: 'the design' }), ` · ${when(c.submittedAt)}`),
      c.reason ? h('p', { class: 'hint', dir: 'auto', text: c.reason }) : null,
      labelList(labels, 'Screening labels'),
      h('div', { class: 'decide' }, h('label', { for: `creason-${c.commentId}`, text: 'Reason (shown to the author when rejected)' }), reason, h('div', { class: 'buttons' }, show, reject), message),
    ),
  );
  return item;
}

const insightsSection = {
  id: 'insights',
  title: 'Insights',
  async render(box) {
    const [i, published] = await Promise.all([api('GET', '/insights'), api('GET', '/designs?limit=50')]);
    const titles = new Map(published.designs.map((d) => [d.designId, d.title])); // titles, not bare ids
    const summary = (title, text) => h('div', { class: 'insight' }, h('h3', { text: title }), h('p', { text }));
    const table = (caption, heads, rows) =>
      h(
        'table',
        { class: 'data' },
        h('caption', { text: caption }),
        h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', { dir: 'auto' }, c))))),
      );
    const design = (id) => h('a', { href: `#/designs/${encodeURIComponent(id)}` }, h('img', { src: `images/${encodeURIComponent(id)}`, alt: '', width: 40, height: 40, class: 'thumb-small' }), ` ${titles.get(id) || `${id.slice(0, 8)}…`}`);
    const canvases = {
      customers: h('canvas', { id: 'chart-customers', role: 'img', 'aria-label': 'New customers per week, and customers so far' }),
      satisfaction: h('canvas', { id: 'chart-satisfaction', role: 'img', 'aria-label': 'Average positivity per week' }),
      sentiment: h('canvas', { id: 'chart-sentiment', role: 'img', 'aria-label': 'Comments by sentiment' }),
    };
    const figure = (title, canvas) => h('figure', { class: 'chart' }, h('figcaption', { text: title }), h('div', { class: 'chart-box' }, canvas));
    box.append(
      h(
        'div',
        { class: 'charts' },
        figure('Customers', canvases.customers),
        figure('Satisfaction', canvases.satisfaction),
        figure('Sentiment', canvases.sentiment),
      ),
      h(
        'div',
        { class: 'insights' },
        summary('Is the customer base growing?', i.customers.summary),
        summary('Which concerns need escalation?', i.escalations.summary),
        summary('Which designs are hot?', i.hotDesigns.summary),
        summary('Which designers do exceptional work?', i.designers.summary),
        summary('Is satisfaction trending up?', i.satisfaction.summary),
        summary('Sentiment distribution', i.sentiment.summary),
      ),
      table('Hot designs', ['Design', 'Designer', 'Comments', 'Average positivity'], i.hotDesigns.designs.map((d) => [design(d.designId), d.designer, String(d.comments), d.avgPositivity === null ? '–' : pct(d.avgPositivity * 100)])),
      table('Recent escalations', ['Design', 'Designer', 'Author', 'When', 'Negative'], i.escalations.recent.map((e) => [design(e.designId), e.designer, e.author, when(e.submittedAt), pct(e.negative * 100)])),
      table('Satisfaction by week', ['Week', 'Scored', 'Average positivity'], i.satisfaction.weeks.map((w) => [w.isoWeek || w.week, String(w.scored), w.avgPositivity === null ? '–' : pct(w.avgPositivity * 100)])),
    );
    // drawn once the section is on the page (the canvases need their size); the tables say the same in text
    requestAnimationFrame(() =>
      drawInsightsCharts(canvases, i).catch((error) => box.prepend(h('p', { class: 'form-message error', role: 'alert', text: `Charts: ${error.message}` }))),
    );
    return null;
  },
};

const SECTIONS = [reviewSection, heldCommentsSection, quarantineSection, takeDownSection, insightsSection];

export function ownerPage(main, { focus = null } = {}) {
  const me = auth.user();
  if (!me) {
    main.replaceChildren(h('h1', { text: 'Owner' }), h('p', {}, h('a', { href: '#/sign-in', text: 'Sign in' }), ' as the owner to see this page.'));
    return { reload: () => {}, dispose: () => {} };
  }
  if (!me.groups.includes('owner')) {
    main.replaceChildren(
      h('h1', { text: 'Owner only' }),
      h('p', { class: 'refused', role: 'alert', text: `This page is for the salon's owner. You are signed in as ${me.name}, who is not in the owner group.` }),
    );
    return { reload: () => {}, dispose: () => {} };
  }
  const sections = focus ? [reviewSection] : SECTIONS;
  const boxes = sections.map((s) => h('section', { class: 'owner-section', id: `owner-${s.id}`, 'aria-labelledby': `owner-${s.id}-title` }));
  main.replaceChildren(
    ...[
      h('h1', { text: focus ? 'Review' : 'Owner' }),
      focus ? h('p', {}, h('a', { href: '#/owner', text: 'All reviews, quarantine and insights' })) : null,
      ...boxes,
    ].filter(Boolean),
  );
  let timer = null;
  let loading = null;
  let lastExpired = 0;
  let disposed = false;
  const ctx = {
    focus,
    reload: () => load(),
    reloadSoon: () => [1500, 4000, 8000, 15000].forEach((ms) => setTimeout(() => !disposed && load(), ms)),
    expired: () => {
      // an image URL expired before the timer (a sleeping laptop): reload the lists now, at most every 10 s
      if (loading || Date.now() - lastExpired < 10_000) return;
      lastExpired = Date.now();
      load();
    },
  };
  const load = async () => {
    clearTimeout(timer);
    loading = Promise.all(
      sections.map(async (s, n) => {
        const box = h('section', { class: 'owner-section', id: `owner-${s.id}`, 'aria-labelledby': `owner-${s.id}-title` });
        box.append(h('h2', { id: `owner-${s.id}-title`, text: s.title }));
        try {
          const expires = await s.render(box, ctx);
          boxes[n].replaceWith(box);
          boxes[n] = box;
          return expires;
        } catch (error) {
          const text = error instanceof ApiError && error.status === 403 ? `Refused: ${error.message}` : `Could not load: ${error.message}`;
          box.append(h('p', { class: 'form-message error', role: 'alert', text }));
          boxes[n].replaceWith(box);
          boxes[n] = box;
          return null;
        }
      }),
    );
    const lifetimes = (await loading).filter((x) => x);
    loading = null;
    if (lifetimes.length) timer = setTimeout(load, Math.min(...lifetimes) * REFRESH_SHARE * 1000);
  };
  return {
    reload: load,
    dispose: () => {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
