// js_on_load of the page's #viewer gr.HTML (ui/render.asset); Gradio supplies
// `element` (the component), `trigger` (send an event to the server) and `watch` (on value change).
watch('value', () => {
  const m = element.querySelector('mark');
  const box = element.querySelector('.v-text');
  if (box) box.scrollTop = m ? Math.max(0, m.offsetTop - box.offsetTop - box.clientHeight / 3) : 0;
  element.scrollIntoView({block: 'nearest', behavior: 'smooth'});
});
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-action]');
  if (b) trigger('click', {action: b.dataset.action, aid: b.dataset.aid});
});
