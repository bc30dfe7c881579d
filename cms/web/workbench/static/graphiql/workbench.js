/*
 * The editors' workbench around GraphiQL: sign in (email and password, or an API token), see who
 * is signed in, upload photos, and open ready-made documents. Plain ES2020 on the UMD globals
 * React, ReactDOM, GraphiQL and GraphiQLPluginExplorer: no build step.
 *
 * The token lives in this tab's sessionStorage, never in a cookie or in localStorage, and every
 * request to the CMS carries it as "Authorization: Bearer" (GraphiQL's through the fetcher below).
 */
(function () {
  "use strict";

  const config = window.CMS_WORKBENCH;
  const h = React.createElement;
  const { useCallback, useEffect, useMemo, useState, useSyncExternalStore } = React;
  const editorContext = () => GraphiQL.React.useEditorContext({ nonNull: true });
  const SESSION_KEY = "cms.workbench.session";

  /* ---- small stores every panel shares (a panel's own state goes when it is closed) ---- */

  function store(initial) {
    let value = initial;
    const listeners = new Set();
    return {
      get: () => value,
      set(next) {
        value = typeof next === "function" ? next(value) : next;
        listeners.forEach((listener) => listener());
      },
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
  }

  function useStore(s) {
    return useSyncExternalStore(s.subscribe, s.get);
  }

  function readSession() {
    try {
      return JSON.parse(sessionStorage.getItem(SESSION_KEY));
    } catch (error) {
      return null;
    }
  }

  const session = store(readSession());
  session.subscribe(() => {
    const value = session.get();
    if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(SESSION_KEY);
  });
  const notice = store(null); // a message for the bar: why a session ended
  const photos = store({ picked: [], uploaded: [], busy: false, error: null });

  function bearer(extra) {
    const headers = new Headers(extra || {});
    const current = session.get();
    if (current && !headers.has("authorization")) {
      headers.set("authorization", "Bearer " + current.token);
    }
    return headers;
  }

  function ended(token, why) {
    const current = session.get();
    if (current && current.token === token) {
      session.set(null);
      notice.set(why);
    }
  }

  /* Every request to the CMS: the token added (unless the Headers tab names one); a 401 for our
   * token means the session is over (expired, or signed out elsewhere). */
  async function cmsFetch(input, init) {
    const headers = bearer(init && init.headers);
    const current = session.get();
    const ours = current && headers.get("authorization") === "Bearer " + current.token;
    const response = await fetch(input, Object.assign({}, init, { headers }));
    if (response.status === 401 && ours) {
      ended(current.token, "Your session has ended (expired or signed out): sign in again.");
    }
    return response;
  }

  async function graphql(query, variables, token) {
    const headers = { "content-type": "application/json", accept: "application/json" };
    if (token) headers.authorization = "Bearer " + token;
    const response = await fetch(config.endpoint, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables: variables || {} }),
    });
    return answerOf(response);
  }

  async function answerOf(response) {
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      throw new Error("The CMS answered " + response.status + " without JSON.");
    }
    if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
    return body.data;
  }

  /* ---- signing in and out ---- */

  const LOGIN = `mutation SignIn($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on LoginSuccess { token expiresAt user { name email role } }
    ... on RateLimitedError { retryAfter }
    ... on UserError { code message }
  }
}`;

  async function signIn(email, password) {
    const data = await graphql(LOGIN, { input: { email, password } });
    const answer = data.login;
    if (answer.__typename !== "LoginSuccess") {
      const wait = answer.retryAfter ? " Try again in " + answer.retryAfter + " s." : "";
      throw new Error(answer.message + wait);
    }
    notice.set(null);
    session.set({
      token: answer.token,
      kind: "user",
      label: answer.user.email || email,
      name: answer.user.name,
      role: answer.user.role,
      expiresAt: answer.expiresAt,
    });
  }

  async function whoIs(token) {
    const response = await fetch(config.session, {
      headers: { authorization: "Bearer " + token, accept: "application/json" },
    });
    if (response.status === 401) return null;
    if (!response.ok) throw new Error("The CMS answered " + response.status + ".");
    return response.json();
  }

  async function signInWithToken(token) {
    const who = await whoIs(token);
    if (!who || !who.signedIn) throw new Error("This token is not valid (expired or revoked?).");
    notice.set(null);
    session.set({ token, kind: who.kind, label: who.label, name: null, role: who.role });
  }

  async function signOut() {
    const current = session.get();
    if (!current) return;
    try {
      await graphql("mutation SignOut { logout }", {}, current.token);
    } finally {
      session.set(null);
      notice.set("Signed out.");
    }
  }

  async function checkSession() {
    const current = session.get();
    if (!current) return;
    const who = await whoIs(current.token);
    if (!who || !who.signedIn) ended(current.token, "Your session has ended: sign in again.");
    else session.set(Object.assign({}, current, { role: who.role, label: who.label }));
  }

  /* ---- the bar: who is signed in, always ---- */

  function Bar(props) {
    const current = useStore(session);
    const message = useStore(notice);
    const who = current
      ? h(
          "span",
          { className: "cms-who", "data-testid": "who" },
          current.kind === "token" ? "API token " : "Signed in as ",
          h("strong", null, current.name ? current.name + " <" + current.label + ">" : current.label),
          " ",
          h("span", { className: "cms-role", "data-testid": "role" }, current.role),
        )
      : h(
          "span",
          { className: "cms-who", "data-testid": "who" },
          "Not signed in: you see what readers see.",
        );
    const action = current
      ? h("button", { type: "button", onClick: signOut, "data-testid": "sign-out" }, "Sign out")
      : h("button", { type: "button", onClick: props.onSignIn }, "Sign in");
    return h(
      "header",
      { className: "cms-bar" },
      h("a", { href: "/", className: "cms-brand" }, "CMS"),
      h("span", { className: "cms-title" }, "GraphiQL"),
      h("a", { href: "/schema.graphql" }, "SDL"),
      h("span", { className: "cms-notice", role: "status" }, message || ""),
      who,
      action,
    );
  }

  /* ---- panels (GraphiQL plugins) ---- */

  function Field(props) {
    return h(
      "label",
      { className: "cms-field" },
      h("span", null, props.label),
      h("input", Object.assign({}, props.input, { onChange: (e) => props.onChange(e.target.value) })),
    );
  }

  function useAction(run) {
    const [state, setState] = useState({ busy: false, error: null });
    const act = useCallback(
      async (event) => {
        if (event) event.preventDefault();
        setState({ busy: true, error: null });
        try {
          await run();
          setState({ busy: false, error: null });
        } catch (error) {
          setState({ busy: false, error: error.message });
        }
      },
      [run],
    );
    return [state, act];
  }

  function AccountPanel() {
    const current = useStore(session);
    const [email, setEmail] = useState("");
    const [password, setPassword] = useState("");
    const [token, setToken] = useState("");
    // Secrets leave the form once used: nothing of them stays on screen after signing out.
    const [login, doLogin] = useAction(
      useCallback(() => signIn(email.trim(), password).then(() => setPassword("")), [email, password]),
    );
    const [byToken, doToken] = useAction(
      useCallback(() => signInWithToken(token.trim()).then(() => setToken("")), [token]),
    );
    if (current) {
      return h(
        "div",
        { className: "cms-panel" },
        h("div", { className: "graphiql-doc-explorer-title" }, "Account"),
        h("p", null, current.kind === "token" ? "API token " : "Signed in as ", h("strong", null, current.label)),
        h("p", null, "Role: ", h("strong", null, current.role)),
        current.expiresAt ? h("p", null, "Session until ", new Date(current.expiresAt).toLocaleString()) : null,
        h("p", { className: "cms-help" }, "Every request from this tab carries the token. It is kept in this tab only (sessionStorage) and forgotten when the tab closes."),
        h("button", { type: "button", onClick: signOut }, "Sign out"),
      );
    }
    return h(
      "div",
      { className: "cms-panel" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Sign in"),
      h(
        "form",
        { onSubmit: doLogin, "data-testid": "sign-in" },
        h(Field, { label: "Email", onChange: setEmail, input: { type: "email", name: "email", value: email, autoComplete: "username", required: true } }),
        h(Field, { label: "Password", onChange: setPassword, input: { type: "password", name: "password", value: password, autoComplete: "current-password", required: true } }),
        h("button", { type: "submit", disabled: login.busy }, login.busy ? "Signing in…" : "Sign in"),
        login.error ? h("p", { className: "cms-error", role: "alert" }, login.error) : null,
      ),
      h(
        "form",
        { onSubmit: doToken, "data-testid": "use-token" },
        h(Field, { label: "Or an API token (cms token create)", onChange: setToken, input: { type: "password", name: "token", value: token, autoComplete: "off", required: true } }),
        h("button", { type: "submit", disabled: byToken.busy }, "Use this token"),
        byToken.error ? h("p", { className: "cms-error", role: "alert" }, byToken.error) : null,
      ),
      h("p", { className: "cms-help" }, "The token is kept in this tab only (sessionStorage, never a cookie) and sent as Authorization: Bearer with every request."),
    );
  }

  /* Open a document in a new tab of the editor, with its variables. */
  function useOpenTab() {
    const editor = editorContext();
    return useCallback(
      (query, variables) => {
        editor.addTab();
        setTimeout(() => {
          editor.queryEditor && editor.queryEditor.setValue(query);
          editor.variableEditor && editor.variableEditor.setValue(JSON.stringify(variables || {}, null, 2));
        }, 0);
      },
      [editor],
    );
  }

  function documentNamed(name) {
    return config.documents.find((d) => d.name === name);
  }

  function DocumentsPanel() {
    const open = useOpenTab();
    return h(
      "div",
      { className: "cms-panel" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Documents"),
      h("p", { className: "cms-help" }, "Ready-made documents for the day's work: each opens in a new tab with example variables."),
      h(
        "ul",
        { className: "cms-documents" },
        config.documents.map((d) =>
          h(
            "li",
            { key: d.name },
            h("button", { type: "button", onClick: () => open(d.query, d.variables), "data-document": d.name }, d.title),
            h("span", { className: "cms-help" }, d.help),
          ),
        ),
      ),
    );
  }

  function figureOf(image) {
    const figure = { imageIds: [image.id], caption: image.caption };
    if (image.credit) figure.credit = image.credit;
    return { figure };
  }

  function pick(files) {
    const images = Array.from(files).filter((f) => f.type.startsWith("image/") || f.type === "");
    photos.set((s) =>
      Object.assign({}, s, {
        error: null,
        picked: s.picked.concat(
          images.map((file) => ({ file, preview: URL.createObjectURL(file), alt: "", caption: "", credit: "" })),
        ),
      }),
    );
  }

  function editPicked(index, key, value) {
    photos.set((s) =>
      Object.assign({}, s, {
        picked: s.picked.map((p, i) => (i === index ? Object.assign({}, p, { [key]: value }) : p)),
      }),
    );
  }

  function dropPicked(index) {
    photos.set((s) => {
      URL.revokeObjectURL(s.picked[index].preview);
      return Object.assign({}, s, { picked: s.picked.filter((_, i) => i !== index) });
    });
  }

  /* All picked photos in one imagesUpload (all or none), over the GraphQL multipart request, with
   * the CSRF header the CMS asks of uploads. */
  async function upload() {
    const { picked } = photos.get();
    if (!picked.length) return;
    const images = await uploadImages(picked);
    picked.forEach((p) => URL.revokeObjectURL(p.preview));
    photos.set((s) => Object.assign({}, s, { picked: [], uploaded: images.concat(s.uploaded) }));
  }

  /* Files with their alt text, caption and credit, in one imagesUpload; the new images (with a
   * 320-wide thumbnail). The Photos and Compose panels both send photos this way. */
  async function uploadImages(picked) {
    if (picked.length > config.maxUploadFiles) {
      throw new Error("At most " + config.maxUploadFiles + " photos at once.");
    }
    const tooBig = picked.find((p) => p.file.size > config.maxUploadBytes);
    if (tooBig) throw new Error(tooBig.file.name + " is larger than the CMS takes.");
    const files = picked.map((p) => ({ file: null, alt: p.alt || "", caption: p.caption || "", credit: p.credit || "" }));
    const map = {};
    picked.forEach((_, i) => (map[String(i)] = ["variables.input.files." + i + ".file"]));
    const form = new FormData();
    form.append("operations", JSON.stringify({ query: config.upload, variables: { input: { files } } }));
    form.append("map", JSON.stringify(map));
    picked.forEach((p, i) => form.append(String(i), p.file, p.file.name));
    const response = await cmsFetch(config.endpoint, {
      method: "POST",
      body: form,
      headers: { "apollo-require-preflight": "true", accept: "application/json" },
    });
    const answer = (await answerOf(response)).imagesUpload;
    if (!answer.images) throw new Error(answer.message + (answer.field ? " (" + answer.field + ")" : ""));
    return answer.images;
  }

  function PhotosPanel() {
    const current = useStore(session);
    const state = useStore(photos);
    const open = useOpenTab();
    const [sending, send] = useAction(upload);
    const [dragging, setDragging] = useState(false);
    const drop = {
      onDragOver: (e) => {
        e.preventDefault();
        setDragging(true);
      },
      onDragLeave: () => setDragging(false),
      onDrop: (e) => {
        e.preventDefault();
        setDragging(false);
        pick(e.dataTransfer.files);
      },
    };
    const newDraft = (image) => {
      const doc = documentNamed("CreateDraft");
      const body = doc.variables.body.concat([figureOf(image)]);
      open(doc.query, Object.assign({}, doc.variables, { body }));
    };
    const addToArticle = (image) => {
      const doc = documentNamed("AddFigure");
      const body = [doc.variables.body[0], figureOf(image)];
      open(doc.query, Object.assign({}, doc.variables, { body }));
    };
    return h(
      "div",
      { className: "cms-panel" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Photos"),
      current ? null : h("p", { className: "cms-error" }, "Sign in to upload photos."),
      h(
        "label",
        Object.assign({ className: "cms-drop" + (dragging ? " cms-dragging" : "") }, drop),
        h("span", null, "Drop photos here, or choose files"),
        h("input", {
          type: "file",
          accept: "image/*",
          multiple: true,
          "data-testid": "photo-files",
          onChange: (e) => {
            pick(e.target.files);
            e.target.value = "";
          },
        }),
      ),
      h(
        "form",
        { onSubmit: send },
        state.picked.map((p, i) =>
          h(
            "fieldset",
            { key: p.preview, className: "cms-picked" },
            h("legend", null, p.file.name),
            h("img", { src: p.preview, alt: "", className: "cms-preview" }),
            h(Field, { label: "Alt text", onChange: (v) => editPicked(i, "alt", v), input: { value: p.alt, name: "alt" } }),
            h(Field, { label: "Caption", onChange: (v) => editPicked(i, "caption", v), input: { value: p.caption, name: "caption" } }),
            h(Field, { label: "Credit", onChange: (v) => editPicked(i, "credit", v), input: { value: p.credit, name: "credit" } }),
            h("button", { type: "button", onClick: () => dropPicked(i) }, "Remove"),
          ),
        ),
        state.picked.length
          ? h(
              "button",
              { type: "submit", disabled: sending.busy || !current, "data-testid": "upload" },
              sending.busy ? "Uploading…" : "Upload " + state.picked.length + (state.picked.length === 1 ? " photo" : " photos"),
            )
          : null,
        sending.error ? h("p", { className: "cms-error", role: "alert" }, sending.error) : null,
      ),
      state.uploaded.map((image) =>
        h(
          "figure",
          { key: image.id, className: "cms-uploaded", "data-testid": "uploaded", "data-image-id": image.id },
          h("img", { src: image.thumbnail.url, alt: image.alt, width: image.thumbnail.width, height: image.thumbnail.height, className: "cms-thumbnail" }),
          h(
            "figcaption",
            null,
            h("div", null, "ID ", h("code", { "data-testid": "image-id" }, image.id), " · ", image.width + "×" + image.height),
            h("div", { "data-testid": "image-caption" }, image.caption),
            h("textarea", { readOnly: true, rows: 3, value: JSON.stringify(figureOf(image)), "aria-label": "Block for articleUpdate's body", onFocus: (e) => e.target.select() }),
            h(
              "div",
              { className: "cms-actions" },
              h("button", { type: "button", onClick: () => copy(JSON.stringify(figureOf(image))) }, "Copy block"),
              h("button", { type: "button", onClick: () => newDraft(image), "data-testid": "new-draft" }, "New draft with it"),
              h("button", { type: "button", onClick: () => addToArticle(image) }, "Add to an article"),
            ),
          ),
        ),
      ),
    );
  }

  function copy(text) {
    if (navigator.clipboard) navigator.clipboard.writeText(text).catch(() => undefined);
  }

  function icon(path) {
    return () =>
      h("svg", { viewBox: "0 0 24 24", width: 20, height: 20, fill: "none", stroke: "currentColor", strokeWidth: 1.6, "aria-hidden": true }, h("path", { d: path }));
  }

  const accountPlugin = {
    title: "Account",
    icon: icon("M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 9a7 7 0 0 1 14 0"),
    content: AccountPanel,
  };
  const photosPlugin = {
    title: "Photos",
    icon: icon("M4 5h16v14H4zM4 15l4-4 4 4 3-3 5 5M15 9.5a1 1 0 1 0 0-.01"),
    content: PhotosPanel,
  };
  const documentsPlugin = {
    title: "Documents",
    icon: icon("M6 3h9l4 4v14H6zM14 3v5h5M9 12h7M9 16h7"),
    content: DocumentsPanel,
  };
  const explorer = GraphiQLPluginExplorer.explorerPlugin();
  // The Compose panel (compose.js, loaded before this script) gets what it shares with the page.
  const composePlugin = window.CMSCompose
    ? window.CMSCompose({ config, session, useStore, store, cmsFetch, answerOf, uploadImages, useOpenTab, useAction, icon, copy })
    : null;
  const plugins = [accountPlugin, composePlugin, documentsPlugin, photosPlugin, explorer].filter(Boolean);

  /* Open the Account panel the way the sidebar does (GraphiQL's own handler also un-collapses
   * the panel pane, which its visiblePlugin prop does not). */
  function showAccount() {
    const button = document.querySelector('.graphiql-sidebar button[aria-label="Show Account"]');
    if (button) button.click();
  }

  /* Names for what GraphiQL leaves unnamed, for screen readers (and axe-core): its editors'
   * text areas, and their scrolling regions (reached by keyboard through the text area). */
  const EDITOR_NAMES = [
    [".graphiql-query-editor", "GraphQL operation"],
    [".graphiql-response", "Response"],
    ["[aria-label='Variables'], .graphiql-editor-tool .graphiql-editor:nth-of-type(1)", "Variables"],
    [".graphiql-editor-tool .graphiql-editor:nth-of-type(2)", "Headers"],
  ];

  function nameEditors() {
    document.querySelectorAll(".CodeMirror textarea:not([aria-label])").forEach((area) => {
      const found = EDITOR_NAMES.find(([selector]) => area.closest(selector));
      area.setAttribute("aria-label", found ? found[1] : "Editor");
    });
    // A scrolling editor region is a tab stop of its own: arrow keys scroll it.
    document.querySelectorAll(".CodeMirror-scroll:not([tabindex=\"0\"])").forEach((region) => region.setAttribute("tabindex", "0"));
    // GraphiQL's tabs are list items holding a button and a close button, marked as tabs: a
    // tab may hold no other control, so they are told as what they are, a list of buttons.
    document.querySelectorAll("ul.graphiql-tabs[role=tablist]").forEach((list) => list.setAttribute("role", "list"));
    document.querySelectorAll("li.graphiql-tab[role=tab], li.graphiql-tab[aria-selected]").forEach((item) => {
      const selected = item.getAttribute("aria-selected") === "true";
      item.setAttribute("role", "listitem");
      item.removeAttribute("aria-selected");
      const button = item.querySelector(".graphiql-tab-button");
      if (button && selected) button.setAttribute("aria-current", "true");
      else if (button) button.removeAttribute("aria-current");
    });
  }

  new MutationObserver(nameEditors).observe(document.getElementById("workbench"), {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["role", "aria-selected"],
  });

  function onSchemaChange(schema) {
    if (!schema) return;
    document.documentElement.dataset.schema = "ready";
    if (!performance.getEntriesByName("cms-workbench-ready").length) {
      performance.mark("cms-workbench-ready");
    }
  }

  // Right after a tab switch GraphiQL may still send the previous tab's operation name: a name
  // the document does not define is dropped (the server then runs its only operation).
  function withKnownOperation(params) {
    const name = params && params.operationName;
    if (!name || typeof params.query !== "string") return params;
    const named = new RegExp("\\b(query|mutation|subscription)\\s+" + name + "\\b");
    return named.test(params.query) ? params : Object.assign({}, params, { operationName: undefined });
  }

  function Workbench() {
    const current = useStore(session);
    const token = current ? current.token : null;
    // A new fetcher when the token changes: GraphiQL then fetches the schema again, as this
    // viewer sees it (introspection may be for signed-in editors only).
    const fetcher = useMemo(() => {
      const base = GraphiQL.createFetcher({ url: config.endpoint, fetch: cmsFetch, enableIncrementalDelivery: false });
      return (params, options) => base(withKnownOperation(params), options);
    }, [token]);
    useEffect(() => {
      // Until onSchemaChange: the schema as this viewer sees it is on its way (tests wait for it).
      document.documentElement.dataset.schema = "loading";
    }, [fetcher]);
    useEffect(() => {
      checkSession().catch(() => undefined);
      if (!session.get()) setTimeout(showAccount, 0);
    }, []);
    const feed = config.documents[0];
    return h(
      "div",
      { className: "cms-workbench" },
      h(Bar, { onSignIn: showAccount }),
      h(
        "div",
        { className: "cms-graphiql" },
        h(GraphiQL, {
          fetcher,
          plugins,
          defaultTabs: [{ query: feed.query, variables: JSON.stringify(feed.variables) }],
          defaultEditorToolsVisibility: true,
          isHeadersEditorEnabled: true,
          shouldPersistHeaders: false,
          showPersistHeadersSettings: false,
          inputValueDeprecation: true,
          onSchemaChange,
        }),
      ),
    );
  }

  ReactDOM.createRoot(document.getElementById("workbench")).render(h(Workbench));
})();
