/*! askreport search box · <askreport-search> · no framework, no build step.
 *
 *   <script src="https://HOST/widget.js" defer></script>
 *   <askreport-search></askreport-search>
 *
 * Attributes: api (base URL; default: where this script came from), k (passages, 1-50, default 5),
 * placeholder, key (a search key, sent as a bearer token), mode (hybrid, dense or bm25).
 * Theme: --askreport-accent, --askreport-font, --askreport-radius, --askreport-background,
 * --askreport-text, --askreport-muted, --askreport-mark, --askreport-width.
 * Passages are rendered as text nodes; the highlight is a <mark> element built in code.
 */
(() => {
  "use strict";
  if (customElements.get("askreport-search")) return;

  const SCRIPT_ORIGIN = (() => {
    try { return new URL(document.currentScript.src).origin; } catch (e) { return location.origin; }
  })();
  const DEBOUNCE_MS = 250;
  const CONTEXT_CHARS = 220;
  let instances = 0;

  const CSS = `
:host{display:block;max-width:var(--askreport-width,40rem)}
.box{font:var(--askreport-font,16px/1.5 system-ui,sans-serif);color:var(--askreport-text,#1d2330);text-align:start;
 --_accent:var(--askreport-accent,#1f5fbf);--_radius:var(--askreport-radius,6px);
 --_bg:var(--askreport-background,#fff);--_muted:var(--askreport-muted,#5a6270)}
*{box-sizing:border-box}
.bar{display:flex;gap:.4rem}
input{flex:1;min-width:0;font:inherit;color:inherit;background:var(--_bg);padding:.55rem .75rem;border:1px solid #aab2bf;border-radius:var(--_radius)}
input:focus-visible,button:focus-visible{outline:3px solid var(--_accent);outline-offset:1px}
[role=option].active{outline:3px solid var(--_accent);outline-offset:-3px}
button{font:inherit;font-size:.85em;padding:.4rem .7rem;border:1px solid var(--_accent);border-radius:var(--_radius);background:var(--_bg);color:var(--_accent);cursor:pointer}
button[hidden],[hidden]{display:none}
.status{font-size:.85em;color:var(--_muted);min-height:1.3em;margin:.35rem .1rem}
.status.problem{color:#a01c1c}
ul{list-style:none;margin:0;padding:0;max-height:min(70vh,36rem);overflow:auto;background:var(--_bg);border-radius:var(--_radius);box-shadow:0 4px 16px rgba(0,0,0,.16)}
li{padding:.6rem .75rem;border-bottom:1px solid #e4e7ec;cursor:pointer}
li:last-child{border-bottom:0}
li.active,li:hover{background:color-mix(in srgb,var(--_accent) 8%,var(--_bg))}
.where{font-size:.8em;color:var(--_muted);margin-bottom:.2rem;overflow-wrap:anywhere}
.text{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.92em}
mark{background:var(--askreport-mark,#ffe58a);color:inherit;padding:.05em 0}
.open{font-size:.8em;color:var(--_accent);margin-top:.2rem}
`;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The passage around its best sentence: text nodes and one <mark>, never parsed as HTML. */
  function excerpt(text, highlight) {
    const box = el("div", "text");
    const h = highlight || { start: 0, end: 0 };
    let from = Math.max(0, h.start - CONTEXT_CHARS);
    let to = Math.min(text.length, h.end + CONTEXT_CHARS);
    if (from > 0) from = text.indexOf(" ", from) + 1 || from;
    if (to < text.length) to = Math.max(text.lastIndexOf(" ", to), h.end);
    box.append((from > 0 ? "…" : "") + text.slice(from, h.start));
    if (h.end > h.start) box.append(el("mark", "", text.slice(h.start, h.end)));
    box.append(text.slice(h.end, to) + (to < text.length ? "…" : ""));
    return box;
  }

  function problemMessage(status, detail, retryAfter) {
    if (status === 429) {
      return "Too many searches at once" + (retryAfter ? `; try again in ${retryAfter} s.` : "; try again shortly.");
    }
    if (status === 503) return "The search index is not ready (it may be being built). Try again in a minute.";
    if (status === 401 || status === 403) return "This search box is not allowed to search: check its key.";
    if (status === 422 && typeof detail === "string" && detail.length < 300) return detail;
    return `The search failed (HTTP ${status}). Try again, or tell the site's maintainers.`;
  }

  class AskreportSearch extends HTMLElement {
    static get observedAttributes() { return ["placeholder"]; }

    constructor() {
      super();
      this._id = `askreport-${++instances}`;
      this._conversation = null;
      this._asked = [];
      this._passages = [];
      this._active = -1;
      this._timer = 0;
      this._controller = null;
      this._sequence = 0;
      const root = this.attachShadow({ mode: "open" });
      const style = el("style", "", CSS);
      this._input = el("input");
      Object.assign(this._input, { id: "q", type: "search", autocomplete: "off", spellcheck: false });
      this._input.setAttribute("role", "combobox");
      this._input.setAttribute("aria-autocomplete", "list");
      this._input.setAttribute("aria-expanded", "false");
      this._input.setAttribute("aria-controls", "results");
      this._input.setAttribute("aria-label", "Ask a question about the reports");
      this._reset = el("button", "reset", "New conversation");
      this._reset.type = "button";
      this._reset.hidden = true;
      this._status = el("div", "status");
      this._status.setAttribute("role", "status");
      this._status.setAttribute("aria-live", "polite");
      this._list = el("ul");
      this._list.id = "results";
      this._list.setAttribute("role", "listbox");
      this._list.setAttribute("aria-label", "Passages");
      this._list.hidden = true;
      const bar = el("div", "bar");
      bar.append(this._input, this._reset);
      const wrapper = el("div", "box"); // own font and colours: the host page's inherited ones stop here
      wrapper.append(bar, this._status, this._list);
      root.append(style, wrapper);
      this._onSlash = this._onSlash.bind(this);
      this._input.addEventListener("input", () => this._typed());
      this._input.addEventListener("keydown", (e) => this._key(e));
      this._reset.addEventListener("click", () => this.newConversation());
      this._list.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the box
      this._list.addEventListener("click", (e) => {
        const item = e.target.closest("[role=option]");
        if (item) this._open(Number(item.dataset.index), e.ctrlKey || e.metaKey);
      });
    }

    connectedCallback() {
      this._input.placeholder = this.getAttribute("placeholder") || "Ask a question about the reports (press / to focus)";
      document.addEventListener("keydown", this._onSlash);
    }

    disconnectedCallback() {
      document.removeEventListener("keydown", this._onSlash);
      if (this._controller) this._controller.abort();
    }

    attributeChangedCallback() {
      if (this.isConnected) this.connectedCallback();
    }

    get api() { return (this.getAttribute("api") || SCRIPT_ORIGIN).replace(/\/+$/, ""); }

    get k() {
      const k = parseInt(this.getAttribute("k") || "5", 10);
      return Number.isFinite(k) ? Math.min(50, Math.max(1, k)) : 5;
    }

    /** Run a question now, as Enter does; it becomes a turn of the conversation. */
    search(question) {
      this._input.value = question;
      clearTimeout(this._timer);
      return this._run(question, true);
    }

    newConversation() {
      this._conversation = null;
      this._asked = [];
      this._reset.hidden = true;
      this._input.value = "";
      this._show([]);
      this._say("New conversation: the next question starts afresh.");
      this._input.focus();
    }

    _onSlash(e) {
      if (e.key !== "/" || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.composedPath()[0];
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      e.preventDefault();
      this._input.focus();
    }

    _typed() {
      clearTimeout(this._timer);
      const question = this._input.value.trim();
      if (!question) {
        if (this._controller) this._controller.abort();
        this._show([]);
        this._say("");
        return;
      }
      this._timer = setTimeout(() => this._run(question, false), DEBOUNCE_MS);
    }

    _key(e) {
      const open = !this._list.hidden && this._passages.length > 0;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!this._passages.length) return;
        e.preventDefault();
        if (!open) this._expand(true);
        const step = e.key === "ArrowDown" ? 1 : -1;
        const n = this._passages.length;
        this._activate(this._active < 0 ? (step > 0 ? 0 : n - 1) : (this._active + step + n) % n);
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (open && this._active >= 0) return this._open(this._active, e.ctrlKey || e.metaKey);
        clearTimeout(this._timer);
        const question = this._input.value.trim();
        if (question) this._run(question, true);
      } else if (e.key === "Escape") {
        if (open) { e.preventDefault(); this._expand(false); }
        else if (this._input.value) { e.preventDefault(); this._input.value = ""; this._say(""); }
      }
    }

    /** Ask the API. Typing previews send the earlier questions as `history` (nothing is stored);
     *  Enter sends the conversation id, so the question becomes a turn of the conversation. */
    async _run(question, commit) {
      if (this._controller) this._controller.abort(); // a newer question makes the older answer stale
      const controller = new AbortController();
      this._controller = controller;
      const sequence = ++this._sequence;
      const body = { question, k: this.k };
      const mode = this.getAttribute("mode");
      if (mode) body.mode = mode;
      if (commit) { if (this._conversation) body.conversation_id = this._conversation; }
      else if (this._asked.length) body.history = this._asked.slice(-10);
      const headers = { "content-type": "application/json" };
      const key = this.getAttribute("key");
      if (key) headers.authorization = `Bearer ${key}`;
      this._say("Searching…");
      let response, data;
      try {
        response = await fetch(`${this.api}/api/ask`, {
          method: "POST", headers, body: JSON.stringify(body), signal: controller.signal, credentials: "omit",
        });
        data = await response.json().catch(() => ({}));
      } catch (err) {
        if (controller.signal.aborted) return;
        this._fail("The search service cannot be reached from this page: it may be down, or this site may not be allowed to use it.");
        return;
      }
      if (sequence !== this._sequence) return; // an answer to an older question: drop it
      if (!response.ok) {
        this._fail(problemMessage(response.status, data.detail, response.headers.get("retry-after")));
        return;
      }
      if (commit && data.conversation_id) {
        this._conversation = data.conversation_id;
        this._asked.push(question);
        this._reset.hidden = false;
      }
      this._render(data);
    }

    _render(data) {
      const parts = [];
      if (!data.found) parts.push("The documents do not seem to answer this. The nearest passages:");
      else parts.push(`${data.passages.length} passage${data.passages.length === 1 ? "" : "s"}`);
      if (data.query && data.query !== data.question) parts.push(`searched for: “${data.query}”`);
      this._say(parts.join(" · "), false, !data.found);
      this._show(data.passages || []);
    }

    _show(passages) {
      this._passages = passages;
      this._active = -1;
      this._input.removeAttribute("aria-activedescendant");
      const items = passages.map((p, i) => {
        const c = p.citation;
        const item = el("li");
        item.id = `${this._id}-${i}`;
        item.dataset.index = String(i);
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        const where = [c.title, ...c.section].join(" › ") + (c.page ? ` · p. ${c.page}` : "");
        item.append(el("div", "where", where), excerpt(p.text, p.highlight), el("div", "open", "Open the source ›"));
        return item;
      });
      this._list.replaceChildren(...items);
      this._expand(items.length > 0);
    }

    _expand(open) {
      this._list.hidden = !open;
      this._input.setAttribute("aria-expanded", String(open));
      if (!open) this._activate(-1);
    }

    _activate(index) {
      const items = this._list.children;
      if (this._active >= 0 && items[this._active]) {
        items[this._active].classList.remove("active");
        items[this._active].setAttribute("aria-selected", "false");
      }
      this._active = index;
      if (index < 0 || !items[index]) { this._input.removeAttribute("aria-activedescendant"); return; }
      items[index].classList.add("active");
      items[index].setAttribute("aria-selected", "true");
      items[index].scrollIntoView({ block: "nearest" });
      this._input.setAttribute("aria-activedescendant", items[index].id);
    }

    _open(index, newTab) {
      const p = this._passages[index];
      if (!p) return;
      const url = new URL(p.citation.url, this.api + "/").href;
      if (!/^https?:$/.test(new URL(url).protocol)) return;
      if (newTab || this.getAttribute("target") === "_blank") window.open(url, "_blank", "noopener");
      else location.assign(url);
    }

    _fail(message) {
      this._show([]);
      this._say(message, true);
    }

    _say(message, problem = false, notFound = false) {
      this._status.textContent = message;
      this._status.classList.toggle("problem", problem);
      this._status.classList.toggle("not-found", notFound);
    }
  }

  customElements.define("askreport-search", AskreportSearch);
})();
