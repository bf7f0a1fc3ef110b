// Behaviour of the base layout, kept out of the HTML so the Content-Security-Policy can forbid inline script.
document.addEventListener('DOMContentLoaded', () => {
  const language = document.getElementById('language-select');
  if (language) language.addEventListener('change', () => language.form.submit());
});
