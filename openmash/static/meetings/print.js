// The minutes: a "Print the minutes" button (no inline script under the content security policy).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
