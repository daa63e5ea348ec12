// Decisions that cannot be taken back from the same page (审核通过, 关闭本轮报送) ask first;
// the button's data-confirm says what will happen. A script file: the CSP allows no inline
// handlers.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
