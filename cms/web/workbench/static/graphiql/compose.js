/*
 * The Compose panel: write, illustrate and publish an article with a form, no GraphQL typed.
 * Plain ES2020 on the page's React (no second copy, no build step). workbench.js calls
 * window.CMSCompose(shared) with what the page shares (the session, fetch with the token, the
 * photo upload, opening a GraphiQL tab) and adds the plugin it returns to GraphiQL's sidebar.
 *
 * Every action keeps the exact operation and variables it sent: "Show as GraphQL" opens them in a
 * new GraphiQL tab. Unsaved changes are kept in this tab's sessionStorage and given back after a
 * reload; autosave waits for 3 s without typing and never runs while an input method composes.
 *
 * Translate (articleTranslate) starts an article's draft in another configured locale and opens it
 * with the original beside it, read-only, block by block: each paragraph, heading, quote and figure
 * caption of the original next to the one being translated.
 */
(function () {
  "use strict";

  const h = React.createElement;
  const { useEffect, useRef, useState } = React;
  const UNSAVED_KEY = "cms.compose.unsaved";
  const AUTOSAVE_MS = 3000;
  const VIETNAM = "+07:00";
  const WIDE_PX = 720;

  const FIELDS = `
  id slug title summary byline version status publishedAt updatedAt locale
  translations { id locale title status }
  authors { id name } event { id name } cover { id } section { id path } tags { name }
  body {
    __typename
    ... on ParagraphBlock { text }
    ... on HeadingBlock { text level }
    ... on QuoteBlock { text attribution }
    ... on FigureBlock { caption credit images { id alt thumbnail: rendition(width: 320) { url width height } } }
  }`;
  const ERRORS = "... on UserError { __typename code message field }";
  const DOCS = {
    list: `query ComposeList($status: [ArticleStatus!], $locale: String) {
  articles(first: 30, filter: { status: $status }, orderBy: { field: UPDATED_AT }, locale: $locale) {
    nodes { id title status version updatedAt locale }
  }
}`,
    search: `query ComposeSearch($query: String!, $status: [ArticleStatus!], $locale: String) {
  search(query: $query, first: 30, filter: { status: $status }, locale: $locale) {
    nodes { id title status version updatedAt locale }
  }
}`,
    article: `query ComposeArticle($id: ID!) {\n  article(id: $id) {${FIELDS}\n  }\n}`,
    choices: `query ComposeChoices {
  authors(first: 100) { nodes { id name } }
  events(first: 50) { nodes { id name } }
  sections { id name path }
  locales { code default }
}`,
    tags: `query ComposeTags($query: String) { tags(first: 8, query: $query) { nodes { name } } }`,
    library: `query PhotoLibrary($query: String, $after: String) {
  images(first: 12, query: $query, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id alt caption thumbnail: rendition(width: 320) { url width height } }
  }
}`,
    create: `mutation ComposeCreate($input: ArticleCreateInput!) {
  articleCreate(input: $input) {
    __typename
    ... on ArticleCreateSuccess { article {${FIELDS} } }
    ${ERRORS}
  }
}`,
    translate: `mutation ComposeTranslate($input: ArticleTranslateInput!) {
  articleTranslate(input: $input) {
    __typename
    ... on ArticleTranslateSuccess { article {${FIELDS} } }
    ${ERRORS}
  }
}`,
    update: `mutation ComposeUpdate($input: ArticleUpdateInput!) {
  articleUpdate(input: $input) {
    __typename
    ... on ArticleUpdateSuccess { article {${FIELDS} } }
    ... on ConflictError { currentVersion }
    ${ERRORS}
  }
}`,
    latest: `query ComposeLatest($id: ID!) {
  article(id: $id) { version updatedAt revisions(first: 1) { nodes { user { name } } } }
}`,
    preview: `query ComposePreview($id: ID!) { article(id: $id) { bodyHtml } }`,
    previewLink: `mutation ComposePreviewLink($input: ArticlePreviewLinkInput!) {
  articlePreviewLink(input: $input) {
    __typename
    ... on ArticlePreviewLinkSuccess { token expiresAt }
    ${ERRORS}
  }
}`,
    revisions: `query ComposeRevisions($id: ID!) {
  article(id: $id) {
    revisions(first: 20) { nodes { number createdAt title summary bodyText user { name } } }
  }
}`,
  };
  const MOVES = {
    Publish: "articlePublish",
    Schedule: "articlePublish",
    Unpublish: "articleUnpublish",
    Archive: "articleArchive",
    Restore: "articleRestoreRevision",
  };

  function moveDocument(name) {
    const type = name[0].toUpperCase() + name.slice(1);
    return `mutation Compose${type}($input: ${type}Input!) {
  ${name}(input: $input) {
    __typename
    ... on ${type}Success { article {${FIELDS} } }
    ... on ConflictError { currentVersion }
    ${ERRORS}
  }
}`;
  }

  /* ---- the article as the form holds it ---- */

  let keys = 0;
  const nextKey = () => "b" + ++keys;

  function emptyDraft() {
    return {
      id: null, version: null, status: "DRAFT", slug: "", slugEdited: false,
      title: "", summary: "", byline: "", authorIds: [], eventId: null, coverId: null,
      sectionId: null, tags: [], body: [], updatedAt: null, locale: null, translations: [],
    };
  }

  function blockOf(block) {
    const key = nextKey();
    switch (block.__typename) {
      case "HeadingBlock": return { key, type: "heading", text: block.text, level: block.level };
      case "QuoteBlock": return { key, type: "quote", text: block.text, attribution: block.attribution };
      case "FigureBlock":
        return {
          key, type: "figure", caption: block.caption, credit: block.credit,
          images: block.images.map((image) => ({ id: image.id, alt: image.alt, thumbnail: image.thumbnail })),
        };
      default: return { key, type: "paragraph", text: block.text || "" };
    }
  }

  function draftOf(article) {
    return {
      id: article.id, version: article.version, status: article.status, slug: article.slug,
      slugEdited: true, title: article.title, summary: article.summary, byline: article.byline,
      authorIds: article.authors.map((a) => a.id), eventId: article.event ? article.event.id : null,
      coverId: article.cover ? article.cover.id : null,
      sectionId: article.section ? article.section.id : null,
      tags: article.tags.map((t) => t.name), body: article.body.map(blockOf), updatedAt: article.updatedAt,
      sectionPath: article.section ? article.section.path : null,
      locale: article.locale, translations: article.translations,
    };
  }

  /* What the translator reads beside the draft: the original's texts, read-only. */
  function originalOf(draft) {
    return { id: draft.id, locale: draft.locale, title: draft.title, summary: draft.summary, body: draft.body };
  }

  const nfc = (text) => (text || "").normalize("NFC");

  function bodyInput(body) {
    return body.map((b) => {
      if (b.type === "heading") return { heading: { text: nfc(b.text), level: Number(b.level) || 2 } };
      if (b.type === "quote") return { quote: { text: nfc(b.text), attribution: nfc(b.attribution) } };
      if (b.type === "figure") {
        return { figure: { imageIds: b.images.map((i) => i.id), caption: nfc(b.caption), credit: nfc(b.credit) } };
      }
      return { paragraph: { text: nfc(b.text) } };
    });
  }

  /* Each field as the API takes it: what a save sends, and what "what changed" compares. */
  function fieldsOf(draft) {
    return {
      title: nfc(draft.title), summary: nfc(draft.summary), byline: nfc(draft.byline),
      slug: draft.slugEdited ? draft.slug : null, authorIds: draft.authorIds, eventId: draft.eventId,
      coverId: draft.coverId, sectionId: draft.sectionId, tags: draft.tags.map(nfc),
      body: bodyInput(draft.body),
    };
  }

  const LABELS = {
    title: "Title", summary: "Summary", byline: "Byline", slug: "Slug", authorIds: "Authors",
    eventId: "Event", coverId: "Cover", sectionId: "Section", tags: "Tags", body: "Body",
  };
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  /* The fields of `draft` that differ from `base` (both as saved: fieldsOf). */
  function changedFields(base, draft) {
    const before = fieldsOf(base);
    const after = fieldsOf(draft);
    return Object.keys(after).filter((k) => !(k === "slug" && after.slug === null) && !same(before[k], after[k]));
  }

  /* What a save sends: everything for a new article (fields left empty out), else the changes. */
  function saveOperation(base, draft) {
    const all = fieldsOf(draft);
    if (!draft.id) {
      const input = {};
      Object.keys(all).forEach((k) => {
        const v = all[k];
        if (v !== null && v !== "" && !(Array.isArray(v) && !v.length)) input[k] = v;
      });
      input.title = all.title;
      if (draft.locale) input.locale = draft.locale;
      return { name: "articleCreate", query: DOCS.create, variables: { input } };
    }
    const input = { id: draft.id, version: draft.version };
    changedFields(base, draft).forEach((k) => (input[k] = all[k]));
    return { name: "articleUpdate", query: DOCS.update, variables: { input } };
  }

  function slugify(title) {
    return nfc(title)
      .replace(/[đĐÐ]/g, "d")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 120);
  }

  const clock = (when) =>
    new Date(when).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });

  /* Words that differ between two texts: [{op: "same"|"del"|"ins", text}] (LCS over words). */
  function wordDiff(before, after) {
    const a = before.split(/(\s+)/).filter(Boolean);
    const b = after.split(/(\s+)/).filter(Boolean);
    if (a.length * b.length > 4000000) return [{ op: "del", text: before }, { op: "ins", text: after }];
    const table = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
    for (let i = a.length - 1; i >= 0; i--) {
      for (let j = b.length - 1; j >= 0; j--) {
        table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    const out = [];
    const push = (op, text) => {
      const last = out[out.length - 1];
      if (last && last.op === op) last.text += text;
      else out.push({ op, text });
    };
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) push("same", a[i++]), j++;
      else if (table[i + 1][j] >= table[i][j + 1]) push("del", a[i++]);
      else push("ins", b[j++]);
    }
    while (i < a.length) push("del", a[i++]);
    while (j < b.length) push("ins", b[j++]);
    return out;
  }

  /* Both sides changed the body: block by block against what both started from, each side's
   * changed blocks are kept and mine win where both changed one (`clash`, their numbers). With
   * blocks added or removed on either side (`whole`) blocks cannot be paired: mine is kept. */
  function mergeBody(base, mine, theirs) {
    const json = (blocks) => bodyInput(blocks).map((b) => JSON.stringify(b));
    const [b, m, t] = [json(base), json(mine), json(theirs)];
    if (b.length !== m.length || b.length !== t.length) return { body: mine, clash: [], whole: true };
    const clash = [];
    const body = mine.map((block, i) => {
      if (m[i] === b[i]) return Object.assign({}, theirs[i], { key: block.key });
      if (t[i] !== b[i] && t[i] !== m[i]) clash.push(i + 1);
      return block;
    });
    return { body, clash, whole: false };
  }

  function mergeSays(merge) {
    if (merge.whole) return "Both changed the body, and the blocks are no longer the same in number: Keep mine keeps your body whole, their changes to it are dropped.";
    if (merge.clash.length) return "Both changed block" + (merge.clash.length > 1 ? "s " : " ") + merge.clash.join(", ") + " of the body: Keep mine keeps yours there, and their changes to the other blocks.";
    return "Both changed the body, in different blocks: Keep mine keeps both.";
  }

  const plainText = (d) =>
    [d.title, d.summary].concat(d.body.filter((b) => b.type !== "figure").map((b) => b.text)).join("\n\n");

  window.CMSCompose = function (shared) {
    const { config, session, useStore, store, cmsFetch, answerOf, uploadImages, useOpenTab, useAction, icon, copy } = shared;

    async function send(query, variables) {
      const response = await cmsFetch(config.endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      return answerOf(response);
    }

    /* ---- the panel's state: outlives the panel being closed, and a reload (sessionStorage) ---- */

    function restored() {
      try {
        const saved = JSON.parse(sessionStorage.getItem(UNSAVED_KEY));
        if (saved && saved.draft) {
          saved.draft.body.forEach((b) => (b.key = nextKey()));
          return {
            view: "edit", draft: saved.draft, base: saved.base, dirty: true, original: saved.original || null,
            notice: "Unsaved changes from before the reload are back: save them, or open the article again to drop them.",
          };
        }
      } catch (error) {
        /* nothing kept */
      }
      return null;
    }

    const desk = store(
      Object.assign(
        {
          view: "list", draft: emptyDraft(), base: emptyDraft(), dirty: false, saving: false,
          status: null, notice: null, errors: {}, conflict: null, lastOperation: null,
          original: null, listLocale: null,
        },
        restored(),
      ),
    );
    desk.subscribe(() => {
      const s = desk.get();
      if (s.dirty && s.view === "edit") {
        sessionStorage.setItem(UNSAVED_KEY, JSON.stringify({ draft: s.draft, base: s.base, original: s.original }));
      } else sessionStorage.removeItem(UNSAVED_KEY);
    });
    const patch = (changes) => desk.set((s) => Object.assign({}, s, changes));

    let composing = false;
    let timer = null;
    function scheduleAutosave() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (composing || desk.get().saving) return scheduleAutosave();
        if (desk.get().dirty && !desk.get().conflict && desk.get().draft.title.trim()) save(true);
      }, AUTOSAVE_MS);
    }

    function edit(changes) {
      desk.set((s) => {
        const draft = Object.assign({}, s.draft, changes);
        if ("title" in changes && !draft.slugEdited) draft.slug = slugify(draft.title);
        return Object.assign({}, s, { draft, dirty: true });
      });
      scheduleAutosave();
    }

    function editBlock(index, changes) {
      const body = desk.get().draft.body.map((b, i) => (i === index ? Object.assign({}, b, changes) : b));
      edit({ body });
    }

    const imeHandlers = {
      onCompositionStart: () => (composing = true),
      onCompositionEnd: () => {
        composing = false;
        scheduleAutosave();
      },
    };

    function remember(name, query, variables) {
      patch({ lastOperation: { name, query, variables } });
    }

    /* ---- loading, saving, conflicts ---- */

    async function open(id) {
      remember("article", DOCS.article, { id });
      const data = await send(DOCS.article, { id });
      if (!data.article) throw new Error("This article is gone, or you may not see it.");
      const draft = draftOf(data.article);
      patch({ view: "edit", draft, base: draft, dirty: false, errors: {}, conflict: null, notice: null, original: null,
        status: { kind: "saved", version: draft.version, at: draft.updatedAt } });
    }

    /* A new article, in the locale the list shows (the default one: none named). */
    function start() {
      const draft = Object.assign(emptyDraft(), { locale: desk.get().listLocale });
      patch({ view: "edit", draft, base: draft, dirty: false, errors: {}, conflict: null, notice: null, status: null, original: null });
    }

    function errorsOf(answer) {
      const errors = {};
      errors[answer.field || "form"] = answer.message;
      return errors;
    }

    async function save(auto) {
      const s = desk.get();
      if (s.saving) return;
      const op = saveOperation(s.base, s.draft);
      if (s.draft.id && Object.keys(op.variables.input).length === 2) {
        // Nothing differs from the saved version (an edit undone): nothing to send.
        patch({ dirty: false, errors: {}, status: { kind: "saved", version: s.draft.version, at: s.draft.updatedAt } });
        return;
      }
      const sent = s.draft;
      patch({ saving: true, status: { kind: "saving" }, lastOperation: op });
      let answer;
      try {
        answer = (await send(op.query, op.variables))[op.name];
      } catch (error) {
        patch({ saving: false, status: { kind: "error", reason: error.message } });
        return;
      }
      if (answer.__typename.endsWith("Success")) {
        const fresh = draftOf(answer.article);
        desk.set((now) => {
          // The form keeps what is in it (edits made while saving, the blocks as they are: no
          // input is re-created under the writer's cursor); what was sent is the saved state.
          const kept = Object.assign({}, now.draft, {
            id: fresh.id, version: fresh.version, status: fresh.status, updatedAt: fresh.updatedAt,
            sectionPath: fresh.sectionPath, locale: fresh.locale, translations: fresh.translations, slug: now.draft.slugEdited ? now.draft.slug : fresh.slug, slugEdited: true,
          });
          return Object.assign({}, now, {
            saving: false, draft: kept, base: fresh, dirty: now.draft !== sent, errors: {},
            status: { kind: "saved", version: fresh.version, at: fresh.updatedAt },
          });
        });
        return;
      }
      if (answer.__typename === "ConflictError") {
        await conflicted();
        return;
      }
      patch({ saving: false, errors: errorsOf(answer), status: { kind: "error", reason: answer.message } });
      if (auto) clearTimeout(timer);
    }

    async function conflicted() {
      const s = desk.get();
      const data = await send(DOCS.article, { id: s.draft.id });
      if (!data.article) {
        patch({ saving: false, status: { kind: "error", reason: "the article was deleted, or you may no longer see it" } });
        return;
      }
      const theirs = draftOf(data.article);
      const changed = changedFields(s.base, theirs);
      patch({
        saving: false, conflict: { theirs, changed, mine: changedFields(s.base, s.draft) },
        status: { kind: "error", reason: "someone else saved this article (version " + theirs.version + ") since you opened it" },
      });
    }

    function keepMine() {
      const s = desk.get();
      const { theirs, mine, changed } = s.conflict;
      const merged = Object.assign({}, theirs);
      mine.forEach((k) => {
        merged[k] = s.draft[k];
        if (k === "slug") merged.slugEdited = true;
      });
      if (mine.includes("body") && changed.includes("body")) merged.body = mergeBody(s.base.body, s.draft.body, theirs.body).body;
      patch({ draft: merged, base: theirs, conflict: null, dirty: true });
      return save(false);
    }

    function takeTheirs() {
      const { theirs } = desk.get().conflict;
      patch({ draft: theirs, base: theirs, conflict: null, dirty: false, errors: {},
        status: { kind: "saved", version: theirs.version, at: theirs.updatedAt } });
    }

    async function move(label, extra) {
      const s = desk.get();
      if (s.dirty) await save(false);
      const now = desk.get();
      if (now.dirty || now.conflict) throw new Error("Save the article first.");
      const name = MOVES[label];
      const input = Object.assign({ id: now.draft.id, version: now.draft.version }, extra || {});
      const query = moveDocument(name);
      remember(name, query, { input });
      const answer = (await send(query, { input }))[name];
      if (!answer.__typename.endsWith("Success")) {
        if (answer.__typename === "ConflictError") return conflicted();
        patch({ errors: errorsOf(answer) });
        throw new Error(answer.message);
      }
      const fresh = draftOf(answer.article);
      patch({ draft: fresh, base: fresh, dirty: false, errors: {}, status: { kind: "saved", version: fresh.version, at: fresh.updatedAt } });
    }

    /* ---- translations ---- */

    /* The open article's story in `locale`: its draft made (unsaved changes saved first), then
     * opened with the original beside it. */
    async function translate(locale) {
      if (desk.get().dirty) await save(false);
      const now = desk.get();
      if (now.dirty || now.conflict) throw new Error("Save the article first.");
      const input = { id: now.draft.id, locale };
      remember("articleTranslate", DOCS.translate, { input });
      const answer = (await send(DOCS.translate, { input })).articleTranslate;
      if (!answer.__typename.endsWith("Success")) throw new Error(answer.message);
      const draft = draftOf(answer.article);
      patch({
        view: "edit", draft, base: draft, dirty: false, errors: {}, conflict: null, original: originalOf(now.draft),
        notice: "Translation started: its texts are the original's, to be translated beside it.",
        status: { kind: "saved", version: draft.version, at: draft.updatedAt },
      });
    }

    /* Another locale's version of the story beside the form (none: `id` null). */
    async function showBeside(id) {
      if (!id) return patch({ original: null });
      const data = await send(DOCS.article, { id });
      if (!data.article) throw new Error("This version is gone, or you may not see it.");
      patch({ original: originalOf(draftOf(data.article)) });
    }

    /* ---- hearing of a colleague's save (articleChanged over graphql-transport-ws) ---- */

    function useWatch(id, token) {
      useEffect(() => {
        if (!id) return undefined;
        const url = location.origin.replace(/^http/, "ws") + config.endpoint;
        let socket = null;
        let retry = null;
        let failures = 0;
        let opened = 0;
        let stopped = false;
        const announce = (who, at, version) => {
          const s = desk.get();
          if (s.draft.id === id && version > (s.base.version || 0) && !s.saving) {
            patch({ notice: "Changed by " + (who || "someone else") + " at " + clock(at || Date.now()) + " (version " + version + ")." });
          }
        };
        // Back after a drop: a save made meanwhile was not heard, so the article's version is asked.
        const catchUp = () =>
          send(DOCS.latest, { id }).then((d) => {
            const last = d.article && d.article.revisions.nodes[0];
            if (d.article) announce(last && last.user ? last.user.name : null, d.article.updatedAt, d.article.version);
          }, () => undefined);
        const query = "subscription ComposeWatch($id: ID!) { articleChanged(id: $id) { kind article { version } savedBy savedAt } }";
        // A dropped socket (a restart, a proxy's idle timeout, a laptop waking up) is opened
        // again after 0.5 s, then twice as long each failure in a row up to 30 s, with jitter.
        const connect = () => {
          socket = new WebSocket(url, "graphql-transport-ws");
          socket.binaryType = "arraybuffer";
          socket.onopen = () =>
            socket.send(JSON.stringify({ type: "connection_init", payload: token ? { Authorization: "Bearer " + token } : {} }));
          socket.onclose = () => {
            if (stopped) return;
            const wait = Math.min(30000, 500 * 2 ** failures) * (0.75 + Math.random() / 4);
            failures += 1;
            retry = setTimeout(connect, wait);
          };
          socket.onmessage = (message) => {
            const raw = typeof message.data === "string" ? message.data : new TextDecoder().decode(message.data);
            const data = JSON.parse(raw);
            if (data.type === "connection_ack") {
              failures = 0;
              socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables: { id } } }));
              if (++opened > 1) catchUp();
            } else if (data.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
            else if (data.type === "next" && data.payload.data) {
              const change = data.payload.data.articleChanged;
              if (change.article) announce(change.savedBy, change.savedAt, change.article.version);
            }
          };
        };
        connect();
        return () => {
          stopped = true;
          clearTimeout(retry);
          socket.close();
        };
      }, [id, token]);
    }

    /* ---- the form ---- */

    function Labelled(props) {
      const error = props.error;
      return h(
        "label",
        { className: "cms-field" + (error ? " cms-invalid" : "") },
        h("span", null, props.label),
        props.children,
        error ? h("span", { className: "cms-error", role: "alert" }, error) : null,
      );
    }

    function TextInput(props) {
      const s = useStore(desk);
      const value = s.draft[props.name];
      const Tag = props.multiline ? "textarea" : "input";
      const field = useRef(null);
      useEffect(() => {
        if (props.autoFocus && field.current) field.current.focus();
      }, []);
      const input = h(
        Labelled,
        { label: props.label, error: s.errors[props.name] },
        h(Tag, Object.assign({
          name: props.name, value: value || "", rows: props.multiline ? 3 : undefined, ref: field,
          "aria-invalid": s.errors[props.name] ? true : undefined,
          onChange: (e) => edit({ [props.name]: e.target.value, ...(props.name === "slug" ? { slugEdited: true } : {}) }),
        }, imeHandlers)),
      );
      if (!props.translated || !s.original) return input;
      return h("div", { className: "cms-beside" },
        h(Original, { label: props.label, locale: s.original.locale, texts: [s.original[props.name]] }),
        h("div", { className: "cms-beside-edit" }, input));
    }

    /* The original's text of a field or block, read-only, in its language. */
    function Original(props) {
      return h("div", { className: "cms-original", role: "note", "aria-label": props.label + ", original (" + props.locale + ")", "data-testid": "original" },
        h("span", { className: "cms-original-label" }, props.label + " · original (" + props.locale + ")"),
        props.texts.filter((t) => t).map((text, i) => h("p", { key: i, lang: props.locale }, text)));
    }

    function Select(props) {
      const s = useStore(desk);
      const value = s.draft[props.name];
      return h(
        Labelled,
        { label: props.label, error: s.errors[props.name] },
        h(
          "select",
          {
            name: props.name, multiple: props.multiple, value: props.multiple ? value : value || "",
            onChange: (e) =>
              edit({ [props.name]: props.multiple ? Array.from(e.target.selectedOptions, (o) => o.value) : e.target.value || null }),
          },
          props.multiple ? null : h("option", { value: "" }, props.none || "None"),
          props.options.map((o) => h("option", { key: o.id, value: o.id }, o.name)),
        ),
      );
    }

    function Tags() {
      const s = useStore(desk);
      const [typed, setTyped] = useState("");
      const [suggested, setSuggested] = useState([]);
      useEffect(() => {
        if (!typed.trim()) return setSuggested([]);
        const wait = setTimeout(() => {
          send(DOCS.tags, { query: typed }).then((d) => setSuggested(d.tags.nodes.map((t) => t.name)), () => undefined);
        }, 200);
        return () => clearTimeout(wait);
      }, [typed]);
      const add = () => {
        const name = nfc(typed).trim();
        if (name && !s.draft.tags.includes(name)) edit({ tags: s.draft.tags.concat([name]) });
        setTyped("");
      };
      return h(
        "div",
        { className: "cms-tags" + (s.errors.tags ? " cms-invalid" : "") },
        h(
          "label",
          { className: "cms-field" },
          h("span", null, "Tags"),
          h("input", Object.assign({
            value: typed, list: "cms-tag-suggestions", name: "tags",
            onChange: (e) => setTyped(e.target.value),
            onKeyDown: (e) => {
              if (e.key === "Enter" || e.key === ",") {
                e.preventDefault();
                add();
              }
            },
          }, imeHandlers)),
        ),
        h("datalist", { id: "cms-tag-suggestions" }, suggested.map((name) => h("option", { key: name, value: name }))),
        h("button", { type: "button", onClick: add }, "Add tag"),
        h(
          "ul",
          { className: "cms-chips", "aria-label": "Tags of the article" },
          s.draft.tags.map((name) =>
            h("li", { key: name }, name, " ", h("button", { type: "button", "aria-label": "Remove tag " + name, onClick: () => edit({ tags: s.draft.tags.filter((t) => t !== name) }) }, "×")),
          ),
        ),
        s.errors.tags ? h("span", { className: "cms-error", role: "alert" }, s.errors.tags) : null,
      );
    }

    /* ---- body blocks ---- */

    function pastePlain(index) {
      return (e) => {
        const text = e.clipboardData.getData("text/plain");
        if (!text) return;
        e.preventDefault();
        const area = e.target;
        const clean = text.replace(/\r\n?/g, "\n").replace(/[\u00ad\u200b]/g, "").replace(/\u00a0/g, " ");
        const value = area.value.slice(0, area.selectionStart) + clean + area.value.slice(area.selectionEnd);
        editBlock(index, { text: value });
      };
    }

    function blockError(errors, index) {
      const prefix = "body." + index;
      const key = Object.keys(errors).find((k) => k === prefix || k.startsWith(prefix + "."));
      return key ? { path: key, message: errors[key] } : null;
    }

    function Block(props) {
      const { block, index, count } = props;
      const s = useStore(desk);
      const error = blockError(s.errors, index);
      const moveTo = (to) => {
        const body = s.draft.body.slice();
        const [taken] = body.splice(index, 1);
        body.splice(to, 0, taken);
        edit({ body });
      };
      const names = { paragraph: "Paragraph", heading: "Heading", quote: "Quote", figure: "Figure" };
      // The original's block at the same place (a translation starts with the original's blocks).
      const original = s.original ? s.original.body[index] : null;
      let fields;
      if (block.type === "figure") fields = h(Figure, { block, index, error });
      else {
        fields = [
          h(Labelled, { key: "text", label: names[block.type] },
            h("textarea", Object.assign({
              value: block.text, rows: block.type === "heading" ? 1 : 4,
              "aria-invalid": error ? true : undefined,
              onChange: (e) => editBlock(index, { text: e.target.value }),
              onPaste: pastePlain(index),
            }, imeHandlers))),
          block.type === "quote"
            ? h(Labelled, { key: "who", label: "Attribution" },
                h("input", Object.assign({ value: block.attribution, onChange: (e) => editBlock(index, { attribution: e.target.value }) }, imeHandlers)))
            : null,
        ];
      }
      return h(
        "li",
        { className: "cms-block" + (error ? " cms-invalid" : ""), "data-block": index, "data-type": block.type },
        h("div", { className: "cms-block-bar" },
          h("span", { className: "cms-block-name" }, (index + 1) + ". " + names[block.type]),
          h("button", { type: "button", disabled: index === 0, onClick: () => moveTo(index - 1), "aria-label": "Move up: block " + (index + 1) }, "Move up"),
          h("button", { type: "button", disabled: index === count - 1, onClick: () => moveTo(index + 1), "aria-label": "Move down: block " + (index + 1) }, "Move down"),
          h("button", { type: "button", onClick: () => edit({ body: s.draft.body.filter((_, i) => i !== index) }), "aria-label": "Remove: block " + (index + 1) }, "Remove"),
        ),
        original
          ? h("div", { className: "cms-beside" },
              h(Original, {
                label: (index + 1) + ". " + names[original.type] + (original.type === "figure" ? " caption" : ""),
                locale: s.original.locale,
                texts: original.type === "figure" ? [original.caption, original.credit] : [original.text, original.attribution],
              }),
              h("div", { className: "cms-beside-edit" }, fields))
          : fields,
        error ? h("p", { className: "cms-error", role: "alert", "data-field": error.path }, error.message + " (" + error.path + ")") : null,
      );
    }

    function Figure(props) {
      const { block, index, error } = props;
      const [picking, setPicking] = useState(false);
      const [files, setFiles] = useState([]);
      const [sending, doSend] = useAction(async () => {
        const images = await uploadImages(files.map((f) => ({ file: f.file, alt: f.alt, caption: block.caption })));
        files.forEach((f) => URL.revokeObjectURL(f.preview));
        setFiles([]);
        const current = desk.get().draft.body[index];
        editBlock(index, { images: current.images.concat(images.map((i) => ({ id: i.id, alt: i.alt, thumbnail: i.thumbnail }))) });
      });
      const badImage = error && /imageIds\.(\d+)/.exec(error.path);
      return h(
        "div",
        { className: "cms-figure" },
        h("ul", { className: "cms-figure-photos", "aria-label": "Photos of figure " + (index + 1) },
          block.images.map((image, i) =>
            h("li", { key: image.id + ":" + i, className: badImage && Number(badImage[1]) === i ? "cms-invalid" : "" },
              image.thumbnail ? h("img", { src: image.thumbnail.url, alt: image.alt, className: "cms-thumbnail" }) : null,
              h("button", { type: "button", onClick: () => editBlock(index, { images: block.images.filter((_, j) => j !== i) }), "aria-label": "Remove photo " + (i + 1) + " of figure " + (index + 1) }, "Remove photo")))),
        h(Labelled, { label: "Caption" },
          h("input", Object.assign({ value: block.caption, onChange: (e) => editBlock(index, { caption: e.target.value }) }, imeHandlers))),
        h(Labelled, { label: "Credit" },
          h("input", Object.assign({ value: block.credit, onChange: (e) => editBlock(index, { credit: e.target.value }) }, imeHandlers))),
        h("div", { className: "cms-actions" },
          h("button", { type: "button", onClick: () => setPicking(!picking), "aria-expanded": picking }, picking ? "Close the library" : "Choose from library"),
          h("label", { className: "cms-file" }, h("span", null, "Upload photos"),
            h("input", { type: "file", accept: "image/*", multiple: true, onChange: (e) => {
              const chosen = Array.from(e.target.files).map((file) => ({ file, alt: "", preview: URL.createObjectURL(file) }));
              setFiles(files.concat(chosen));
              e.target.value = "";
            } }))),
        files.length
          ? h("div", { className: "cms-upload" },
              files.map((f, i) =>
                h("div", { key: f.preview, className: "cms-picked" },
                  h("img", { src: f.preview, alt: "", className: "cms-preview" }),
                  h(Labelled, { label: "Alt text for " + f.file.name },
                    h("input", Object.assign({ value: f.alt, required: true, onChange: (e) => setFiles(files.map((g, j) => (j === i ? Object.assign({}, g, { alt: e.target.value }) : g))) }, imeHandlers))))),
              h("button", { type: "button", disabled: sending.busy, onClick: doSend }, sending.busy ? "Uploading…" : "Upload " + files.length + (files.length === 1 ? " photo" : " photos")),
              sending.error ? h("p", { className: "cms-error", role: "alert" }, sending.error) : null)
          : null,
        picking ? h(Library, { onPick: (image) => editBlock(index, { images: desk.get().draft.body[index].images.concat([image]) }) }) : null,
      );
    }

    function Library(props) {
      const [query, setQuery] = useState("");
      const [found, setFound] = useState({ nodes: [], pageInfo: null, error: null });
      const load = (after) =>
        send(DOCS.library, { query: query || null, after: after || null }).then(
          (d) => setFound((f) => ({ nodes: (after ? f.nodes : []).concat(d.images.nodes), pageInfo: d.images.pageInfo, error: null })),
          (e) => setFound({ nodes: [], pageInfo: null, error: e.message }),
        );
      useEffect(() => {
        const wait = setTimeout(() => load(null), 250);
        return () => clearTimeout(wait);
      }, [query]);
      return h("div", { className: "cms-library" },
        h(Labelled, { label: "Search photos" }, h("input", Object.assign({ type: "search", value: query, onChange: (e) => setQuery(e.target.value) }, imeHandlers))),
        found.error ? h("p", { className: "cms-error", role: "alert" }, found.error) : null,
        h("ul", { className: "cms-library-grid" },
          found.nodes.map((image) =>
            h("li", { key: image.id },
              h("button", { type: "button", onClick: () => props.onPick({ id: image.id, alt: image.alt, thumbnail: image.thumbnail }), "aria-label": "Use photo: " + (image.caption || image.alt || image.id) },
                h("img", { src: image.thumbnail.url, alt: "", className: "cms-thumbnail" }),
                h("span", null, image.caption || image.alt))))),
        found.pageInfo && found.pageInfo.hasNextPage ? h("button", { type: "button", onClick: () => load(found.pageInfo.endCursor) }, "More photos") : null);
    }

    /* ---- the panel ---- */

    function Status() {
      const s = useStore(desk);
      let text = s.dirty ? "Not saved yet" : "New article: nothing saved yet";
      const st = s.status;
      if (st && st.kind === "saving") text = "Saving…";
      else if (st && st.kind === "error") text = "Not saved: " + st.reason;
      else if (st && st.kind === "saved") text = (s.dirty ? "Unsaved changes · last saved" : "Saved") + " · version " + st.version + " · " + clock(st.at);
      return h("p", { className: "cms-compose-status", role: "status", "data-testid": "compose-status" }, text);
    }

    function Conflict() {
      const s = useStore(desk);
      const c = s.conflict;
      const box = useRef(null);
      useEffect(() => {
        // The choice comes into view, and the keyboard's focus with it.
        if (c && box.current) {
          box.current.scrollIntoView({ block: "nearest" });
          box.current.focus();
        }
      }, [c]);
      if (!c) return null;
      const both = c.changed.filter((k) => c.mine.includes(k));
      const fields = both.filter((k) => k !== "body");
      const bodyMerge = both.includes("body") ? mergeBody(s.base.body, s.draft.body, c.theirs.body) : null;
      return h("div", { className: "cms-conflict", role: "alert", tabIndex: -1, ref: box, "data-testid": "conflict" },
        h("p", null, h("strong", null, "Someone else saved this article since you opened it"), " (now version " + c.theirs.version + ")."),
        h("p", null, "They changed: " + (c.changed.map((k) => LABELS[k]).join(", ") || "nothing you see here") + "."),
        h("p", null, "You changed: " + (c.mine.map((k) => LABELS[k]).join(", ") || "nothing") + "."),
        fields.length ? h("p", null, "Both changed: " + fields.map((k) => LABELS[k]).join(", ") + ": Keep mine keeps yours there.") : null,
        bodyMerge ? h("p", { "data-testid": "conflict-body" }, mergeSays(bodyMerge)) : null,
        h("div", { className: "cms-actions" },
          h("button", { type: "button", onClick: keepMine }, "Keep mine"),
          h("button", { type: "button", onClick: takeTheirs }, "Take theirs")));
    }

    function Diff(props) {
      return h("p", { className: "cms-diff" }, wordDiff(props.before, props.after).map((part, i) =>
        part.op === "same" ? part.text : h(part.op, { key: i }, part.text)));
    }

    function Revisions() {
      const s = useStore(desk);
      const role = (useStore(session) || {}).role;
      const [list, setList] = useState(null);
      const [shown, setShown] = useState(null);
      const [state, act] = useAction(async () => {
        remember("revisions", DOCS.revisions, { id: s.draft.id });
        const data = await send(DOCS.revisions, { id: s.draft.id });
        setList(data.article.revisions.nodes);
      });
      if (!s.draft.id) return null;
      return h("section", { className: "cms-revisions", "aria-label": "Revisions" },
        h("button", { type: "button", onClick: act }, list ? "Refresh revisions" : "Revisions"),
        state.error ? h("p", { className: "cms-error", role: "alert" }, state.error) : null,
        list ? h("ol", null, list.map((r) =>
          h("li", { key: r.number },
            "Revision " + r.number + " · " + clock(r.createdAt) + (r.user ? " · " + r.user.name : ""), " ",
            h("button", { type: "button", onClick: () => setShown(shown === r.number ? null : r.number), "aria-label": "Compare revision " + r.number }, "Compare"),
            role === "EDITOR" || role === "ADMIN"
              ? h("button", { type: "button", onClick: () => move("Restore", { revision: r.number }).catch((e) => patch({ status: { kind: "error", reason: e.message } })), "aria-label": "Restore revision " + r.number }, "Restore")
              : null,
            shown === r.number ? h(Diff, { before: [r.title, r.summary, r.bodyText].join("\n\n"), after: plainText(s.draft) }) : null))) : null);
    }

    function Publishing() {
      const s = useStore(desk);
      const role = (useStore(session) || {}).role;
      const [at, setAt] = useState("");
      const [scheduling, setScheduling] = useState(false);
      const [error, setError] = useState(null);
      const run = (label, extra) => {
        setError(null);
        move(label, extra).catch((e) => setError(e.message));
      };
      if (!s.draft.id || !(role === "EDITOR" || role === "ADMIN")) return null;
      const status = s.draft.status;
      return h("section", { className: "cms-publishing", "aria-label": "Publishing" },
        status === "DRAFT" ? h("button", { type: "button", onClick: () => run("Publish", { at: null }) }, "Publish") : null,
        status === "DRAFT" ? h("button", { type: "button", onClick: () => setScheduling(!scheduling), "aria-expanded": scheduling }, "Schedule…") : null,
        scheduling && status === "DRAFT"
          ? h("div", { className: "cms-schedule" },
              h(Labelled, { label: "Publish at (Vietnam time, UTC+7)" }, h("input", { type: "datetime-local", value: at, onChange: (e) => setAt(e.target.value) })),
              h("button", { type: "button", disabled: !at, onClick: () => run("Schedule", { at: at + ":00" + VIETNAM }) }, "Schedule"))
          : null,
        status === "PUBLISHED" || status === "SCHEDULED" ? h("button", { type: "button", onClick: () => run("Unpublish") }, "Unpublish") : null,
        status === "PUBLISHED" || status === "SCHEDULED" ? h("button", { type: "button", onClick: () => run("Archive") }, "Archive") : null,
        error ? h("p", { className: "cms-error", role: "alert" }, error) : null);
    }

    function Preview() {
      const s = useStore(desk);
      const [html, setHtml] = useState(null);
      const [link, setLink] = useState(null);
      const [state, act] = useAction(async () => {
        remember("preview", DOCS.preview, { id: s.draft.id });
        setHtml((await send(DOCS.preview, { id: s.draft.id })).article.bodyHtml);
      });
      const [linking, makeLink] = useAction(async () => {
        const input = { id: s.draft.id, expiresIn: 3600 };
        remember("articlePreviewLink", DOCS.previewLink, { input });
        const answer = (await send(DOCS.previewLink, { input })).articlePreviewLink;
        if (!answer.token) throw new Error(answer.message);
        const url = config.previewUrl
          ? config.previewUrl.replace("{slug}", s.draft.slug).replace("{id}", s.draft.id).replace("{section}", s.draft.sectionPath || "") + "?preview=" + encodeURIComponent(answer.token)
          : answer.token;
        setLink(url);
        copy(url);
      });
      if (!s.draft.id) return null;
      return h("section", { className: "cms-preview-pane", "aria-label": "Preview" },
        h("div", { className: "cms-actions" },
          h("button", { type: "button", onClick: act }, "Preview"),
          h("button", { type: "button", onClick: makeLink }, "Copy preview link")),
        state.error || linking.error ? h("p", { className: "cms-error", role: "alert" }, state.error || linking.error) : null,
        link ? h("p", null, "Copied: ", h("code", { "data-testid": "preview-link" }, link), " (valid 1 hour)") : null,
        html !== null ? h("article", { className: "cms-preview-body", dangerouslySetInnerHTML: { __html: html } }) : null);
    }

    /* The article's language, its story's other versions (open one, or show it beside the form),
     * and Translate: a configured locale the story has not got yet. */
    function Languages(props) {
      const s = useStore(desk);
      const [target, setTarget] = useState("");
      const [error, setError] = useState(null);
      const taken = [s.draft.locale].concat((s.draft.translations || []).map((t) => t.locale));
      const free = props.locales.map((l) => l.code).filter((code) => !taken.includes(code));
      const chosen = free.includes(target) ? target : free[0] || "";
      const [state, act] = useAction(() => translate(chosen));
      if (!s.draft.id || !s.draft.locale || props.locales.length < 2) return null;
      const others = s.draft.translations || [];
      const openVersion = async (id) => {
        if (desk.get().dirty) await save(false);
        if (!desk.get().dirty && !desk.get().conflict) await open(id);
      };
      const fail = (e) => setError(e.message);
      return h("section", { className: "cms-languages", "aria-label": "Languages" },
        h("p", { "data-testid": "article-locale" }, "Language: ", h("strong", null, s.draft.locale),
          others.length ? " · also in " : null,
          others.map((t) => h("button", { key: t.id, type: "button", onClick: () => openVersion(t.id).catch(fail), "aria-label": "Open the " + t.locale + " version: " + t.title }, t.locale + " (" + t.status.toLowerCase() + ")"))),
        others.length
          ? h(Labelled, { label: "Show beside" },
              h("select", { value: s.original ? s.original.id : "", onChange: (e) => { setError(null); showBeside(e.target.value || null).catch(fail); } },
                h("option", { value: "" }, "Nothing"),
                others.map((t) => h("option", { key: t.id, value: t.id }, "The " + t.locale + " version"))))
          : null,
        free.length
          ? h("div", { className: "cms-actions cms-translate" },
              h(Labelled, { label: "Translate into" },
                h("select", { value: chosen, onChange: (e) => setTarget(e.target.value) },
                  free.map((code) => h("option", { key: code, value: code }, code)))),
              h("button", { type: "button", disabled: state.busy, onClick: act }, "Translate"))
          : null,
        state.error || error ? h("p", { className: "cms-error", role: "alert" }, state.error || error) : null);
    }

    /* With the original beside the form, a narrow pane widens to about half the page, as
     * GraphiQL's own drag bar sets it (the pane's flex against the editors' 1; drag it back). */
    function useWideFor(original) {
      useEffect(() => {
        const pane = document.querySelector(".graphiql-plugin");
        if (original && pane && pane.getBoundingClientRect().width < WIDE_PX) pane.style.flex = "1.2 1 0%";
      }, [original]);
    }

    function Editor(props) {
      const s = useStore(desk);
      const current = useStore(session);
      const openTab = useOpenTab();
      useWatch(s.draft.id, current ? current.token : null);
      useWideFor(s.original ? s.original.id : null);
      const add = (type) => {
        const block = { key: nextKey(), type, text: "" };
        if (type === "heading") block.level = 2;
        if (type === "quote") block.attribution = "";
        if (type === "figure") Object.assign(block, { images: [], caption: "", credit: "" });
        edit({ body: s.draft.body.concat([block]) });
      };
      const figureImages = s.draft.body.filter((b) => b.type === "figure").flatMap((b) => b.images);
      const coverOptions = figureImages
        .filter((img, i) => figureImages.findIndex((o) => o.id === img.id) === i)
        .map((img, i) => ({ id: img.id, name: "Photo " + (i + 1) + (img.alt ? ": " + img.alt : "") }));
      if (s.draft.coverId && !coverOptions.some((o) => o.id === s.draft.coverId)) coverOptions.push({ id: s.draft.coverId, name: "The current cover" });
      const showOperation = () => {
        const op = s.lastOperation || saveOperation(s.base, s.draft);
        openTab(op.query, op.variables);
      };
      return h("form", { className: "cms-compose", lang: s.draft.locale || undefined, onSubmit: (e) => { e.preventDefault(); save(false); }, "aria-label": "Article" },
        h("div", { className: "cms-actions" },
          h("button", { type: "button", onClick: props.onBack }, "Back to the list"),
          h("button", { type: "button", onClick: showOperation }, "Show as GraphQL")),
        h(Status),
        s.notice ? h("p", { className: "cms-notice-line", role: "status", "data-testid": "compose-notice" }, s.notice) : null,
        h(Conflict),
        s.errors.form ? h("p", { className: "cms-error", role: "alert" }, s.errors.form) : null,
        h(Languages, { locales: props.choices.locales }),
        h(TextInput, { name: "title", label: "Title", autoFocus: !s.draft.id && !s.dirty, translated: true }),
        h(TextInput, { name: "summary", label: "Summary", multiline: true, translated: true }),
        h(TextInput, { name: "byline", label: "Byline" }),
        h(TextInput, { name: "slug", label: "Slug" }),
        h(Select, { name: "authorIds", label: "Authors", multiple: true, options: props.choices.authors }),
        h(Select, { name: "eventId", label: "Event", options: props.choices.events }),
        h(Select, { name: "sectionId", label: "Section", options: props.choices.sections }),
        h(Tags),
        h("fieldset", { className: "cms-body" },
          h("legend", null, "Body"),
          h("ol", { className: "cms-blocks" }, s.draft.body.map((block, i) => h(Block, { key: block.key, block, index: i, count: s.draft.body.length }))),
          h("div", { className: "cms-actions" },
            h("button", { type: "button", onClick: () => add("paragraph") }, "Add paragraph"),
            h("button", { type: "button", onClick: () => add("heading") }, "Add heading"),
            h("button", { type: "button", onClick: () => add("quote") }, "Add quote"),
            h("button", { type: "button", onClick: () => add("figure") }, "Add figure"))),
        h(Select, { name: "coverId", label: "Cover", options: coverOptions, none: "No cover" }),
        h("div", { className: "cms-actions" },
          h("button", { type: "submit", disabled: s.saving }, "Save draft")),
        h(Preview),
        h(Publishing),
        h(Revisions));
    }

    function List(props) {
      const current = useStore(session);
      const s = useStore(desk);
      const locales = props.locales;
      const locale = s.listLocale;
      const role = current ? current.role : null;
      const [query, setQuery] = useState("");
      const [found, setFound] = useState({ items: null, error: null });
      const status = role === "AUTHOR" ? ["DRAFT"] : ["DRAFT", "SCHEDULED", "PUBLISHED"];
      useEffect(() => {
        if (!current) return undefined;
        const wait = setTimeout(() => {
          // Search reads the default locale's articles; the list, the locale chosen.
          const ask = query.trim() ? send(DOCS.search, { query, status, locale }).then((d) => d.search.nodes) : send(DOCS.list, { status, locale }).then((d) => d.articles.nodes);
          ask.then((items) => setFound({ items, error: null }), (e) => setFound({ items: null, error: e.message }));
        }, 250);
        return () => clearTimeout(wait);
      }, [query, role, locale]);
      const fallback = locales.length ? locales[0].code : "";
      return h("div", { className: "cms-compose-list" },
        h("button", { type: "button", onClick: start }, "New article"),
        locales.length > 1
          ? h(Labelled, { label: "Language" },
              h("select", { value: locale || fallback, onChange: (e) => patch({ listLocale: e.target.value === fallback ? null : e.target.value }) },
                locales.map((l) => h("option", { key: l.code, value: l.code }, l.code + (l.default ? " (default)" : "")))))
          : null,
        h(Labelled, { label: "Search articles" }, h("input", Object.assign({ type: "search", value: query, onChange: (e) => setQuery(e.target.value) }, imeHandlers))),
        found.error ? h("p", { className: "cms-error", role: "alert" }, found.error) : null,
        h("ul", { className: "cms-articles", "aria-label": "Drafts, scheduled and recent articles" },
          (found.items || []).map((a) =>
            h("li", { key: a.id },
              h("button", { type: "button", onClick: () => open(a.id).catch((e) => setFound({ items: found.items, error: e.message })) }, a.title),
              h("span", { className: "cms-help" }, " " + a.status + " · " + a.locale + " · " + clock(a.updatedAt))))));
    }

    /* Back to the list: unsaved changes are saved first (and the form stays if they cannot be). */
    async function back() {
      if (desk.get().dirty) await save(false);
      const s = desk.get();
      if (!s.dirty && !s.conflict) patch({ view: "list", notice: null, original: null });
    }

    function ComposePanel() {
      const current = useStore(session);
      const s = useStore(desk);
      const [choices, setChoices] = useState({ authors: [], events: [], sections: [], locales: [] });
      const token = current ? current.token : null;
      useEffect(() => {
        if (!token) return;
        send(DOCS.choices, {}).then(
          (d) => setChoices({
            authors: d.authors.nodes,
            events: d.events.nodes,
            sections: d.sections.map((x) => ({ id: x.id, name: x.path })),
            locales: d.locales,
          }),
          () => undefined,
        );
      }, [token]);
      return h("div", { className: "cms-panel cms-compose-panel" },
        h("div", { className: "graphiql-doc-explorer-title" }, "Compose"),
        current ? null : h("p", { className: "cms-error" }, "Sign in to write articles."),
        current && s.view === "edit" ? h(Editor, { choices, onBack: back }) : null,
        current && s.view === "list" ? h(List, { locales: choices.locales }) : null);
    }

    return {
      title: "Compose",
      icon: icon("M4 20h4l10-10-4-4L4 16zM13 7l4 4"),
      content: ComposePanel,
    };
  };
})();
