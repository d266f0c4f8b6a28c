// The gallery app: hash routes (#/, #/designs/<id>, #/designers/<sub>, #/me/uploads, #/me/comments, #/sign-in,
// #/sign-up, #/forgot-password, #/owner, #/reviews/<photoId>). Public images are site paths (images/<designId>)
// served while the design is published: they never expire, so pages need no refresh for them.
// Every page renders from REST and reloads from it on (re)connect and when the tab becomes visible; live
// events patch what is shown, by id (events can repeat or arrive late: older meter totals are ignored).
import { api, ApiError, postToS3 } from './api.js';
import * as auth from './auth.js';
import { config } from './config.js';
import { h, plural } from './dom.js';
import { LiveChannel } from './live.js';
import { ownerPage } from './owner.js';
import { signUpPage, forgotPasswordPage } from './account.js';

const main = document.getElementById('main');
const SENTIMENT_LABEL = { POSITIVE: 'positive', NEGATIVE: 'negative', NEUTRAL: 'neutral', MIXED: 'mixed' };
const STATUS_TEXT = { review: 'waiting for review', 'taken-down': 'taken down' };
let page = null; // {reload, dispose}

const live = new LiveChannel({
  onConnect: () => page && page.reload(),
  onStatus: (s) => {
    const el = document.getElementById('live-status');
    el.textContent = s === 'live' ? 'Live' : 'Reconnecting…';
    el.dataset.state = s;
  },
});

async function userAuth() {
  const token = await auth.idToken();
  return token ? live.headers({ Authorization: token }) : null;
}


function meterView(meter) {
  const pct = meter.happiness === null ? null : Math.round(meter.happiness * 100);
  return h(
    'section',
    { class: 'meter', 'aria-labelledby': 'meter-title', 'data-version': meter.version },
    h('h2', { id: 'meter-title', text: 'Happiness meter' }),
    h('meter', { min: 0, max: 100, value: pct ?? 0, 'aria-label': 'Happiness' }),
    h('p', {
      class: 'meter-text',
      text:
        pct === null
          ? `No scored comments yet (${plural(meter.comments, 'comment')})`
          : `${pct}% happy · ${plural(meter.comments, 'comment')} (${meter.POSITIVE} positive, ${meter.NEGATIVE} negative)`,
    }),
  );
}

function commentItem(c) {
  const sentiment = SENTIMENT_LABEL[c.sentiment] || 'unscored';
  return h(
    'li',
    { class: 'comment', 'data-comment-id': c.commentId },
    h('p', { class: 'comment-text', dir: 'auto', text: c.text }),
    h(
      'p',
      { class: 'comment-meta' },
      h('span', { dir: 'auto', text: c.author }),
      ' · ',
      h('span', { class: `badge ${sentiment}`, text: sentiment }),
    ),
  );
}

function designCard(d) {
  return h(
    'li',
    { class: 'card', 'data-design-id': d.designId },
    h(
      'a',
      { href: `#/designs/${encodeURIComponent(d.designId)}` },
      h('img', { src: d.image, alt: d.title ? `${d.title}, nail design by ${d.designer}` : `Nail design by ${d.designer}`, loading: 'lazy', width: 320, height: 320 }),
      h('span', { class: 'card-title', dir: 'auto', text: d.title || 'Untitled design' }),
    ),
    h('a', { class: 'card-by', href: `#/designers/${encodeURIComponent(d.designerId)}`, dir: 'auto', text: `by ${d.designer}` }),
  );
}

function galleryPage(title, path, { live: liveUpdates = true, designerId = null } = {}) {
  const list = h('ul', { class: 'grid', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'more', hidden: true, text: 'Show more' });
  const empty = h('p', { class: 'empty', hidden: true, text: 'No designs yet.' });
  const heading = h('h1', { text: title });
  main.replaceChildren(heading, empty, list, more);
  let cursor = null;
  const add = (d, atTop) => {
    if (list.querySelector(`[data-design-id="${CSS.escape(d.designId)}"]`)) return;
    if (designerId && d.designerId !== designerId) return;
    atTop ? list.prepend(designCard(d)) : list.append(designCard(d));
    empty.hidden = true;
  };
  const load = async (append) => {
    const answer = await api('GET', `${path}?limit=24${append && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!append) list.replaceChildren();
    answer.designs.forEach((d) => add(d, false));
    if (designerId && answer.designs.length) heading.textContent = `Designs by ${answer.designs[0].designer}`;
    cursor = answer.next;
    more.hidden = !cursor;
    empty.hidden = list.children.length > 0;
  };
  more.addEventListener('click', () => load(true));
  const off = liveUpdates
    ? live.subscribe('/gallery/designs', (e) => {
        if (e.type === 'DesignPublished') add(e.design, true);
        if (e.type === 'DesignTakenDown') {
          const card = list.querySelector(`[data-design-id="${CSS.escape(e.designId)}"]`);
          if (card) card.remove();
          empty.hidden = list.children.length > 0;
        }
      })
    : () => {};
  return { reload: () => load(false).catch(showError), dispose: off };
}

function designPage(id) {
  const comments = h('ol', { class: 'comments', 'aria-live': 'polite', 'aria-label': 'Comments' });
  let meterEl = h('div');
  let version = -1;
  const form = commentForm(id);
  const figure = h('figure', { class: 'photo' });
  const title = h('h1', { dir: 'auto', text: 'Design' });
  main.replaceChildren(
    title,
    h('div', { class: 'design' }, figure, h('div', { class: 'side' }, meterEl, h('h2', { text: 'Comments' }), comments, form)),
  );
  const setMeter = (meter) => {
    if (meter.version < version) return; // an older total arrived late
    version = meter.version;
    const next = meterView(meter);
    meterEl.replaceWith(next);
    meterEl = next;
  };
  const addComment = (c) => {
    if (comments.querySelector(`[data-comment-id="${CSS.escape(c.commentId)}"]`)) return;
    comments.append(commentItem(c));
  };
  const load = async () => {
    try {
      const answer = await api('GET', `/designs/${encodeURIComponent(id)}`);
      const d = answer.design;
      title.textContent = d.title || 'Untitled design';
      figure.replaceChildren(
        h('img', { src: d.image, alt: d.title ? `${d.title}, nail design by ${d.designer}` : `Nail design by ${d.designer}`, width: d.width || 640, height: d.height || 640 }),
        h(
          'figcaption',
          {},
          h('a', { class: 'by', href: `#/designers/${encodeURIComponent(d.designerId)}`, dir: 'auto', text: `by ${d.designer}` }),
          d.description ? h('p', { class: 'description', dir: 'auto', text: d.description }) : null,
        ),
      );
      comments.replaceChildren();
      answer.comments.forEach(addComment);
      version = -1;
      setMeter(answer.meter);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        main.replaceChildren(h('h1', { text: 'Design not found' }), h('p', { text: 'It does not exist or is not published.' }));
      } else showError(error);
    }
  };
  const off = live.subscribe(`/designs/${id}`, (e) => {
    if (e.type === 'DesignTakenDown') {
      main.replaceChildren(h('h1', { text: 'Design taken down' }), h('p', { role: 'status', text: 'The salon has taken this design down.' }));
      return;
    }
    if (e.type !== 'CommentAnalyzed') return;
    if (e.comment) addComment(e.comment);
    if (e.meter) setMeter(e.meter);
  });
  return { reload: load, dispose: off };
}

function commentForm(id) {
  const me = auth.user();
  if (!me || !me.groups.includes('customer')) {
    return h('p', { class: 'hint' }, h('a', { href: '#/sign-in', text: 'Sign in' }), ' as a customer to comment.');
  }
  const text = h('textarea', { id: 'comment-text', name: 'text', rows: 3, dir: 'auto', required: true, maxlength: 5000 });
  const message = h('p', { class: 'form-message', role: 'alert' });
  const button = h('button', { type: 'submit', text: 'Post comment' });
  const form = h(
    'form',
    { class: 'comment-form', novalidate: true },
    h('label', { for: 'comment-text', text: 'Your comment' }),
    text,
    button,
    message,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    message.textContent = '';
    message.className = 'form-message';
    try {
      await api('POST', `/designs/${encodeURIComponent(id)}/comments`, { text: text.value });
      text.value = '';
      message.replaceChildren(
        'Thanks! Your comment appears once it has been read and checked; ',
        h('a', { href: '#/me/comments', text: 'My comments' }),
        ' shows where it stands.',
      );
    } catch (error) {
      message.className = 'form-message error';
      message.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function signInPage() {
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'form-message error', role: 'alert' });
  const form = h(
    'form',
    { class: 'sign-in' },
    h('label', { for: 'username', text: 'Username or email' }),
    username,
    h('label', { for: 'password', text: 'Password' }),
    password,
    h('button', { type: 'submit', text: 'Sign in' }),
    message,
  );
  let challenge = null;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.textContent = '';
    try {
      const result = challenge
        ? await auth.completeNewPassword(challenge, password.value)
        : await auth.signIn(username.value.trim(), password.value);
      if (result && result.challenge === 'NEW_PASSWORD_REQUIRED') {
        challenge = result;
        password.value = '';
        form.querySelector('label[for=password]').textContent = 'Choose a new password';
        message.textContent = 'Please choose a new password.';
        return;
      }
      location.hash = result.groups.includes('designer') ? '#/me/uploads' : result.groups.includes('owner') ? '#/owner' : '#/';
    } catch (error) {
      message.textContent = error.code === 'NotAuthorizedException' ? 'Wrong username or password.' : error.message;
    }
  });
  main.replaceChildren(
    h('h1', { text: 'Sign in' }),
    form,
    h('p', { class: 'hint' }, h('a', { href: '#/sign-up', text: 'Create an account' }), ' · ', h('a', { href: '#/forgot-password', text: 'Forgot your password?' })),
  );
  return { reload: () => {}, dispose: () => {} };
}

function myUploadsPage() {
  const me = auth.user();
  if (!me) {
    location.hash = '#/sign-in';
    return { reload: () => {}, dispose: () => {} };
  }
  const list = h('ul', { class: 'uploads', 'aria-live': 'polite', 'aria-label': 'Your uploads' });
  const file = h('input', { id: 'upload-file', type: 'file', accept: 'image/jpeg,image/png' });
  const title = h('input', { id: 'upload-title', name: 'title', maxlength: 100, required: true, dir: 'auto' });
  const description = h('textarea', { id: 'upload-description', name: 'description', rows: 2, maxlength: 300, dir: 'auto' });
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const message = h('p', { class: 'form-message', role: 'status' });
  const drop = h(
    'div',
    { class: 'drop' },
    h('label', { for: 'upload-title', text: 'Title' }),
    title,
    h('label', { for: 'upload-description', text: 'Description (optional)' }),
    description,
    h('label', { for: 'upload-file', text: 'Drop a JPEG or PNG here, or choose one' }),
    file,
    progress,
    message,
  );
  main.replaceChildren(h('h1', { text: 'My uploads' }), drop, list);
  const show = (u) => {
    const existing = list.querySelector(`[data-photo-id="${CSS.escape(u.photoId)}"]`);
    const item = h(
      'li',
      { class: `upload ${u.status}`, 'data-photo-id': u.photoId },
      u.image ? h('img', { src: u.image, alt: 'Your design', width: 96, height: 96 }) : h('span', { class: 'thumb', 'aria-hidden': 'true' }),
      h('div', {}, u.title ? h('p', { class: 'upload-title', dir: 'auto', text: u.title }) : null, h('p', { class: 'status', text: STATUS_TEXT[u.status] || u.status }), u.reasons && u.reasons.length ? h('ul', { class: 'reasons' }, u.reasons.map((r) => h('li', { dir: 'auto', text: r }))) : null),
    );
    existing ? existing.replaceWith(item) : list.prepend(item);
    if (['published', 'rejected', 'quarantined', 'review'].includes(u.status)) message.textContent = '';
  };
  const send = async (chosen) => {
    if (!chosen) return;
    message.textContent = '';
    if (!title.value.trim()) {
      message.textContent = 'Give the design a title first.';
      title.focus();
      file.value = '';
      return;
    }
    progress.hidden = false;
    try {
      const grant = await api('POST', '/uploads', { contentType: chosen.type, title: title.value, description: description.value });
      const named = title.value.trim();
      title.value = '';
      description.value = '';
      showTitled({ photoId: grant.photoId, title: named, status: 'uploading', reasons: [] });
      await postToS3(grant, chosen, (p) => (progress.value = p));
      showTitled({ photoId: grant.photoId, title: named, status: 'processing', reasons: [] });
      message.textContent = 'Uploaded; checking it now.';
    } catch (error) {
      message.textContent = error.message;
    } finally {
      progress.hidden = true;
    }
  };
  file.addEventListener('change', () => send(file.files[0]));
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    send(e.dataTransfer.files[0]);
  });
  const load = async () => {
    const answer = await api('GET', '/me/uploads');
    [...answer.uploads].reverse().forEach(showTitled);
  };
  const titles = new Map(); // live events carry ids and status only: keep the titles REST gave
  const showTitled = (u) => {
    if (u.title) titles.set(u.photoId, u.title);
    show({ ...u, title: u.title || titles.get(u.photoId) });
  };
  const off = live.subscribe(`/designers/${me.sub}`, (e) => e.type === 'UploadStatus' && showTitled(e), { auth: userAuth });
  return { reload: () => load().catch(showError), dispose: off };
}

// The signed-in author's comments with where each stands: shown, waiting for moderation, rejected (and why).
function myCommentsPage() {
  const me = auth.user();
  if (!me) {
    location.hash = '#/sign-in';
    return { reload: () => {}, dispose: () => {} };
  }
  const list = h('ul', { class: 'my-comments', 'aria-live': 'polite', 'aria-label': 'Your comments' });
  main.replaceChildren(h('h1', { text: 'My comments' }), list);
  const load = async () => {
    const answer = await api('GET', '/me/comments');
    list.replaceChildren(
      ...answer.comments.map((c) =>
        h(
          'li',
          { class: `my-comment ${c.status.replace(/ /g, '-')}`, 'data-comment-id': c.commentId },
          h('p', { class: 'comment-text', dir: 'auto', text: c.text }),
          h('p', { class: 'status', text: c.status }),
          c.reason ? h('p', { class: 'reason', dir: 'auto', text: c.reason }) : null,
          h('a', { href: `#/designs/${encodeURIComponent(c.designId)}`, text: 'the design' }),
        ),
      ),
    );
    if (!answer.comments.length) list.append(h('li', { class: 'hint', text: 'No comments yet.' }));
  };
  return { reload: () => load().catch(showError), dispose: () => {} };
}

function showError(error) {
  main.append(h('p', { class: 'form-message error', role: 'alert', text: `Something went wrong: ${error.message}` }));
}

function route() {
  if (page) page.dispose();
  const hash = location.hash.replace(/^#/, '') || '/';
  let match;
  if ((match = hash.match(/^\/designs\/([A-Za-z0-9-]{1,64})$/))) page = designPage(match[1]);
  else if ((match = hash.match(/^\/designers\/([A-Za-z0-9-]{1,64})$/)))
    page = galleryPage('Album', `/designers/${match[1]}/designs`, { designerId: match[1] });
  else if (hash === '/me/uploads') page = myUploadsPage();
  else if (hash === '/me/comments') page = myCommentsPage();
  else if (hash === '/sign-in') page = signInPage();
  else if (hash === '/sign-up') page = signUpPage(main);
  else if (hash === '/forgot-password') page = forgotPasswordPage(main);
  else if (hash === '/owner') page = ownerPage(main);
  else if ((match = hash.match(/^\/reviews\/([A-Za-z0-9-]{1,64})$/))) page = ownerPage(main, { focus: match[1] });
  else page = galleryPage('New designs', '/designs');
  page.reload();
  main.focus({ preventScroll: true });
}

function renderNav(me) {
  document.getElementById('sign-in-link').hidden = Boolean(me);
  document.getElementById('sign-up-link').hidden = Boolean(me);
  document.getElementById('sign-out').hidden = !me;
  document.querySelectorAll('[data-needs]').forEach((el) => {
    el.hidden = !me || !me.groups.includes(el.dataset.needs);
  });
}

async function start() {
  await config();
  renderNav(auth.user());
  auth.onChange((me) => {
    renderNav(me);
    route();
  });
  document.getElementById('sign-out').addEventListener('click', () => {
    auth.signOut();
    location.hash = '#/';
  });
  window.addEventListener('hashchange', route);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && page && page.reload());
  route();
  live.connect();
}

start().catch(showError);
