// The meeting screen: move between the cases on the agenda with the keyboard.
// Right arrow or "n": next case. Left arrow or "p": previous case. Keys typed into a form are left alone.

const KEYS = new Map([
  ["ArrowRight", "next-case"],
  ["n", "next-case"],
  ["N", "next-case"],
  ["ArrowLeft", "previous-case"],
  ["p", "previous-case"],
  ["P", "previous-case"],
]);

function typing(target) {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))
  );
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
    return;
  }
  const id = KEYS.get(event.key);
  const link = id ? document.getElementById(id) : null;
  if (link instanceof HTMLAnchorElement) {
    event.preventDefault();
    window.location.assign(link.href);
  }
});

// Tells people (and browser tests) that the keys now work.
document.body.dataset.keyboard = "ready";
