// Warns before the idle sign-out and offers one click to stay signed in (WCAG 2.2.1,
// security.md 11). Progressive enhancement: without JavaScript the dialog never opens and the
// server still signs the user out after the idle limit.
export function initSessionTimeout(dialog) {
  if (!dialog || typeof dialog.showModal !== 'function') return;
  const idleMs = Number(dialog.dataset.idleSeconds) * 1000;
  const warnMs = Number(dialog.dataset.warnSeconds) * 1000;
  const countdown = dialog.querySelector('[data-countdown]');
  const stay = dialog.querySelector('form[data-extend]');
  let deadline = Date.now() + idleMs;
  let ticker = null;

  const words = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return minutes === 1 ? '1 minute' : `${minutes} minutes`;
    }
    return seconds === 1 ? '1 second' : `${seconds} seconds`;
  };

  const tick = () => {
    const left = deadline - Date.now();
    if (left <= 0) {
      // The server has ended the session: reloading shows the sign-in page.
      window.location.reload();
      return;
    }
    if (left <= warnMs && !dialog.open) {
      countdown.textContent = words(left);
      dialog.showModal();
    } else if (dialog.open) {
      // Update the words every 15 seconds (and each second at the end), not every second,
      // so screen readers are not flooded.
      const seconds = Math.ceil(left / 1000);
      if (seconds % 15 === 0 || seconds <= 10) countdown.textContent = words(left);
    }
  };

  stay.addEventListener('submit', async (event) => {
    event.preventDefault();
    const response = await fetch(stay.action, {
      method: 'POST', body: new FormData(stay), credentials: 'same-origin',
      headers: { 'X-Requested-With': 'fetch' },
    });
    if (response.ok) {
      deadline = Date.now() + idleMs;
      dialog.close();
    } else {
      window.location.reload();
    }
  });
  ticker = window.setInterval(tick, 1000);
  return () => window.clearInterval(ticker);
}
