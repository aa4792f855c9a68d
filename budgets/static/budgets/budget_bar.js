// The ballot's remaining-budget bar: as projects are ticked, how much of the heading's amount
// they use and what is left (or by how much it is over). Without JavaScript the bar stays
// hidden and the server refuses an over-budget ballot with a message, keeping the choices.
(function () {
  "use strict";
  const bar = document.getElementById("budget-bar");
  if (!bar) {
    return;
  }
  const amount = Number(bar.dataset.amount);
  const meter = document.getElementById("budget-bar-meter");
  const text = document.getElementById("budget-bar-text");
  const boxes = Array.from(document.querySelectorAll("input[name='projects'][data-cost]"));
  const format = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    maximumFractionDigits: 0,
  });

  function update() {
    const spent = boxes
      .filter((box) => box.checked)
      .reduce((total, box) => total + Number(box.dataset.cost), 0);
    meter.value = Math.min(spent, amount);
    const left = amount - spent;
    const over = left < 0;
    bar.classList.toggle("budget-bar--over", over);
    text.textContent = over
      ? `${bar.dataset.over} ${format.format(-left)} ${bar.dataset.currency}`
      : `${bar.dataset.left} ${format.format(left)} ${bar.dataset.currency}`;
  }

  boxes.forEach((box) => box.addEventListener("change", update));
  bar.hidden = false;
  update();
})();
