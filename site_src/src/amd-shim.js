// anywidget's npm build is one AMD module, define(["@jupyter-widgets/base"], factory): keep its factory.
globalThis.__vaelessonsAnywidget = null;
globalThis.define = (deps, factory) => {
  globalThis.__vaelessonsAnywidget = factory;
};
