/* The handlers' desk (layouts/tasks.py): reads its tasks again when a case event arrives, and uploads a
   feedback's photos to the API (POST /api/v1/attachments) as they are picked, keeping their ids for the form. */
(function (cc) {
  const noUpdate = () => window.dash_clientside.no_update;

  // events: `live-batch` (assets/live.js `receive`: each value holds earlier events too, numbered by `seq`).
  function tasksChanged(events) {
    return cc.unseen("tasks", events).some((e) => e.kind.startsWith("case.")) ? Date.now() : noUpdate();
  }

  const photos = { ids: [] };

  function tasksFormClosed() {
    photos.ids = [];
    const list = document.getElementById("tasks-photo-list");
    if (list) list.textContent = "";
    return ["", [], ""];
  }

  async function upload(input) {
    const list = document.getElementById("tasks-photo-list");
    const labels = list.dataset;
    for (const file of input.files) {
      list.textContent = labels.uploading || "…";
      const body = new FormData();
      body.append("file", file);
      const answer = await fetch("/api/v1/attachments", { method: "POST", body, credentials: "same-origin" })
        .catch(() => null);
      const json = answer && await answer.json().catch(() => ({}));
      if (!answer || !answer.ok) {
        list.textContent = (labels.refused || "{reason}").replace("{reason}", (json && json.message) || "");
        continue;
      }
      photos.ids.push(json.id);
      list.textContent = (labels.photos || "{count}").replace("{count}", photos.ids.length);
    }
    input.value = "";
    window.dash_clientside.set_props("tasks-photos", { data: [...photos.ids] });
  }

  document.addEventListener("change", (event) => {
    if (event.target && event.target.id === "tasks-photo-file") upload(event.target);
  });

  Object.assign(cc, { tasksChanged, tasksFormClosed });
})(window.commandCentre = window.commandCentre || {});
