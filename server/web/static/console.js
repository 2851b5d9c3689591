// Progressive enhancement only: every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(() => {
    button.textContent = "Copied";
  });
});
// Forms marked `data-inplace` post in the background and swap in the page's new <main>,
// keeping focus where it was; without this script they post and reload as usual.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-inplace]");
  if (!form || !window.fetch || !window.DOMParser) return;
  event.preventDefault();
  const focusId = document.activeElement && document.activeElement.id;
  const response = await fetch(form.action, {
    method: "POST", body: new FormData(form), credentials: "same-origin",
  });
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const main = page.querySelector("main");
  if (!main) { window.location.reload(); return; }
  document.querySelector("main").replaceWith(main);
  const again = focusId && document.getElementById(focusId);
  (again || main).focus();
});
