// anywidget's npm build is one AMD module, define(["@jupyter-widgets/base"], factory): keep its factory.
globalThis.__vaelessonsAnywidget = null;
globalThis.define = (deps, factory) => {
  globalThis.__vaelessonsAnywidget = factory;
};
// html-manager's embed code sets webpack's asset path on load; there is no webpack here and no asset to find
globalThis.__webpack_public_path__ = "";
