// The site's widget manager: @jupyter-widgets/html-manager renders the widget state saved in a page, and
// anywidget's own front end (its npm build) runs each anywidget's saved ES module. No kernel, no CDN.
import "./amd-shim.js";
import "anywidget"; // its dist/index.js
import * as base from "@jupyter-widgets/base";
import { HTMLManager } from "@jupyter-widgets/html-manager";
import { renderWidgets } from "@jupyter-widgets/html-manager/lib/libembed";

const anywidget = globalThis.__vaelessonsAnywidget(base);
delete globalThis.define;

async function loader(moduleName) {
  if (moduleName === "anywidget") return anywidget;
  throw new Error(`vaelessons site: no widget module ${moduleName} in this page's bundle`);
}

// <html data-widgets="rendered"> once every saved widget view is drawn (tests and screenshots wait on it)
const start = () =>
  renderWidgets(() => new HTMLManager({ loader })).then(
    () => document.documentElement.setAttribute("data-widgets", "rendered"),
    (error) => {
      document.documentElement.setAttribute("data-widgets", "failed");
      console.error("vaelessons site: the widgets could not be drawn", error);
    },
  );
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
