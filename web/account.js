// Account pages: sign up (customers; the code arrives by email) and a forgotten password (a code by email,
// then a new password). The same Cognito calls on AWS and on the embedded stack (codes in its mailbox).
import * as auth from './auth.js';
import { h } from './dom.js';

function field(id, label, attrs = {}) {
  const input = h('input', { id, name: id, required: true, ...attrs });
  return [h('label', { for: id, text: label }), input];
}

function explain(error) {
  const messages = {
    UsernameExistsException: 'That username is taken; choose another.',
    CodeMismatchException: 'That code is not the one we sent; check the email and try again.',
    ExpiredCodeException: 'That code has expired; ask for a new one.',
    InvalidPasswordException: error.message,
    UserNotFoundException: 'No account has that username.',
    LimitExceededException: 'Too many attempts; wait a little and try again.',
  };
  return messages[error.code] || error.message;
}

function steps(main, title, first, second) {
  const message = h('p', { class: 'form-message', role: 'alert' });
  const form = h('form', { class: 'sign-in', novalidate: true });
  let step = first;
  const show = () => {
    form.replaceChildren(...step.fields, h('button', { type: 'submit', text: step.button }), message);
    step.fields.find((f) => f.tagName === 'INPUT').focus();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.className = 'form-message';
    message.textContent = '';
    const missing = step.fields.find((f) => f.tagName === 'INPUT' && !f.value.trim());
    if (missing) {
      message.className = 'form-message error';
      message.textContent = `Fill in ${form.querySelector(`label[for=${missing.id}]`).textContent.toLowerCase()}.`;
      missing.focus();
      return;
    }
    try {
      const done = await step.submit();
      if (step === first) {
        step = second;
        show();
        message.textContent = done;
      } else {
        main.replaceChildren(h('h1', { text: title }), h('p', { role: 'status', class: 'done', text: done }), h('p', {}, h('a', { href: '#/sign-in', text: 'Sign in' })));
      }
    } catch (error) {
      message.className = 'form-message error';
      message.textContent = explain(error);
    }
  });
  main.replaceChildren(h('h1', { text: title }), form);
  show();
}

export function signUpPage(main) {
  const [uLabel, username] = field('new-username', 'Username', { autocomplete: 'username', maxlength: 64 });
  const [eLabel, email] = field('new-email', 'Email', { type: 'email', autocomplete: 'email' });
  const [pLabel, password] = field('new-password', 'Password', { type: 'password', autocomplete: 'new-password' });
  const [cLabel, code] = field('signup-code', 'Code from the email', { autocomplete: 'one-time-code', inputmode: 'numeric' });
  steps(
    main,
    'Create an account',
    {
      fields: [uLabel, username, eLabel, email, pLabel, password, h('p', { class: 'hint', text: 'Customers sign up here to comment. Designers are invited by the salon.' })],
      button: 'Sign up',
      submit: async () => {
        await auth.signUp(username.value.trim(), email.value.trim(), password.value);
        return `We emailed a code to ${email.value.trim()}.`;
      },
    },
    {
      fields: [cLabel, code],
      button: 'Confirm',
      submit: async () => {
        await auth.confirmSignUp(username.value.trim(), code.value.trim());
        return 'Your account is ready. Sign in to comment.';
      },
    },
  );
  return { reload: () => {}, dispose: () => {} };
}

export function forgotPasswordPage(main) {
  const [uLabel, username] = field('reset-username', 'Username or email', { autocomplete: 'username' });
  const [cLabel, code] = field('reset-code', 'Code from the email', { autocomplete: 'one-time-code', inputmode: 'numeric' });
  const [pLabel, password] = field('reset-password', 'New password', { type: 'password', autocomplete: 'new-password' });
  steps(
    main,
    'Reset your password',
    {
      fields: [uLabel, username],
      button: 'Email me a code',
      submit: async () => {
        await auth.forgotPassword(username.value.trim());
        return 'If the account exists, a code is on its way by email.';
      },
    },
    {
      fields: [cLabel, code, pLabel, password],
      button: 'Set the new password',
      submit: async () => {
        await auth.confirmForgotPassword(username.value.trim(), code.value.trim(), password.value);
        return 'Your password is changed. Sign in with the new one.';
      },
    },
  );
  return { reload: () => {}, dispose: () => {} };
}
