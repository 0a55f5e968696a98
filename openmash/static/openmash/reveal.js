// Conditionally revealed questions under radios and checkboxes (the GOV.UK "conditional reveal" pattern).
//
// GOV.UK Frontend's own radios and checkboxes modules set aria-expanded on each input, an attribute the
// radio and checkbox roles do not support (axe-core: aria-allowed-attr, critical), so screen readers
// may announce nonsense or nothing. This module does the same reveal without it: an input names the
// block it reveals in data-reveals; the block follows the input, so it is read next (no aria-controls
// either: GOV.UK Frontend's radios module would add aria-expanded to any radio that has one). Without
// JavaScript every block is simply shown.
const HIDDEN = { radio: "govuk-radios__conditional--hidden", checkbox: "govuk-checkboxes__conditional--hidden" };

function sync(input) {
  const block = document.getElementById(input.dataset.reveals);
  if (!block) return;
  block.classList.toggle(HIDDEN[input.type], !input.checked);
}

export function initReveals(root = document) {
  const inputs = Array.from(root.querySelectorAll("input[data-reveals]"));
  const syncAll = () => inputs.forEach(sync);
  syncAll();
  // A radio unchecks its siblings without an event of their own: sync every input of the same name.
  root.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    inputs.filter((input) => input.name === target.name && input.form === target.form).forEach(sync);
  });
  // Coming back with the browser's Back button restores checked states without change events.
  window.addEventListener("pageshow", syncAll);
}
