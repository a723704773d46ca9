// js_on_load of the page's #sources gr.HTML (ui/render.asset); Gradio supplies
// `element` (the component), `trigger` (send an event to the server) and `watch` (on value change).
element.addEventListener('change', (e) => {
  if (!e.target.matches('input.scope')) return;
  const ids = [...element.querySelectorAll('input.scope:checked')].map((x) => x.dataset.aid);
  trigger('click', {action: 'scope', ids: ids});
});
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-action]');
  if (!b) return;
  const act = b.dataset.action;
  if (act === 'remove' && !window.confirm('Remove “' + b.dataset.title + '” from the library?')) {
    return;
  }
  if (act === 'all') {
    element.querySelectorAll('input.scope').forEach((x) => { x.checked = false; });
    trigger('click', {action: 'scope', ids: []});
    return;
  }
  trigger('click', {action: act, aid: b.dataset.aid});
});
