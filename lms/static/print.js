// A "Print" button: any element with data-print opens the browser's print dialog.
document.querySelectorAll("[data-print]").forEach((el) => {
  el.addEventListener("click", () => window.print());
});
