// Bundles src/embed.js (html-manager + anywidget) into one classic script and one style sheet, and copies
// MathJax's single-file TeX-to-SVG build and reveal.js, into assets/ (committed: make site needs no npm). Run: npm ci && node build.mjs
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const out = new URL("./assets/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });

// Font Awesome (imported by html-manager's embed code) draws icons no lesson widget uses: leave it out,
// so the site carries no icon fonts.
const noIcons = {
  name: "no-icons",
  setup(b) {
    b.onResolve({ filter: /^@fortawesome\// }, () => ({ path: "empty", namespace: "no-icons" }));
    b.onLoad({ filter: /.*/, namespace: "no-icons" }, () => ({ contents: "", loader: "css" }));
  },
};

await build({
  entryPoints: { "widgets-embed": "src/embed.js" },
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outdir: out,
  legalComments: "eof",
  loader: { ".svg": "text" }, // JupyterLab imports its icons as SVG strings
  define: { "process.env.NODE_ENV": '"production"' },
  plugins: [noIcons],
  logLevel: "info",
});
// MathJax 3, every TeX extension in one file (none is fetched later), drawing SVG (no font files)
copyFileSync("node_modules/mathjax/es5/tex-svg-full.js", `${out}/tex-svg-full.js`);
// reveal.js for the decks: the script, its notes plugin, its style and the white theme without its web font
const reveal = "node_modules/reveal.js";
for (const dir of ["dist/theme", "plugin/notes"]) mkdirSync(`${out}/reveal/${dir}`, { recursive: true });
for (const file of ["dist/reveal.js", "dist/reveal.css", "plugin/notes/notes.js"]) copyFileSync(`${reveal}/${file}`, `${out}/reveal/${file}`);
const theme = readFileSync(`${reveal}/dist/theme/white.css`, "utf8").replace(/@import url\([^)]*\);?/g, "");
writeFileSync(`${out}/reveal/dist/theme/white.css`, theme);
