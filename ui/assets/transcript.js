// js_on_load of the page's #chat gr.HTML (ui/render.asset); Gradio supplies
// `element` (the component), `trigger` (send an event to the server) and `watch` (on value change).
const box = element.closest('#chat') || element;
let asked = 0;
watch('value', () => {  // a new question scrolls to the top of the box; streaming never jumps
  const qs = box.querySelectorAll('.msg.user');
  if (qs.length > asked) {
    const top = qs[qs.length - 1].getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += top - 8;
  }
  asked = qs.length;
});
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.cite');
  if (!b) return;
  trigger('click', {action: 'cite', aid: b.dataset.aid, n: Number(b.dataset.n),
                    start: Number(b.dataset.start), end: Number(b.dataset.end)});
});
