// "Go back" on the problem page: the browser's own back keeps what the form held.
document.querySelectorAll("[data-back]").forEach((button) => {
  button.addEventListener("click", () => history.back());
});
