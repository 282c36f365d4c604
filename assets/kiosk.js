/* Kiosk mode (`?kiosk=1`, for a wall display): the screen without the header's chrome or a pointer. Read as the
   page loads, before Dash draws anything, so the chrome never flashes. The wall keeps the flag in its address as it
   moves between grids (callbacks/wall.py, `select_grid`), so a reload stays a kiosk. */
(function () {
  if (new URLSearchParams(window.location.search).get("kiosk") === "1") {
    document.documentElement.classList.add("kiosk");
  }
})();
