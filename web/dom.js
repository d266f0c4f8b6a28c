// The one DOM helper: h('p', {class: 'x', text: 'y'}, ...children). Text goes in as text, never as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  children.flat().forEach((c) => c !== null && c !== undefined && el.append(c));
  return el;
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
