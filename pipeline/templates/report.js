// The report's views, drawn from the JSON data on demand. Text goes in through DOM nodes
// (textContent), never as HTML, so no document text can become markup.
"use strict";
const DATA = JSON.parse(document.getElementById("report-data").textContent);
const ENTITIES = DATA.entities.map(row => Object.fromEntries(DATA.entity_fields.map((field, i) => [field, row[i]])));
const DOCUMENTS = DATA.documents, M = DATA.mentions, COLOURS = DATA.colours;
const PAGE = 50, KWIC_PAGE = 40, CONTEXT = 90;
const entityById = new Map(ENTITIES.map((e, i) => [e.id, i]));
const documentById = new Map(DOCUMENTS.map((d, i) => [d.id, i]));

// mentions grouped by entity and by document (indices into the columns of M)
const byEntity = ENTITIES.map(() => []), byDocument = DOCUMENTS.map(() => []);
for (let i = 0; i < M.doc.length; i++) { byEntity[M.entity[i]].push(i); byDocument[M.doc[i]].push(i); }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) if (child != null) node.append(child);
  return node;
}
const badge = label => el("span", {class: "label", style: {background: COLOURS[label] || "#ddd"}}, label);
const entityHref = i => "#entity/" + encodeURIComponent(ENTITIES[i].id);
const documentHref = (d, focus) => "#document/" + encodeURIComponent(DOCUMENTS[d].id) +
  (focus == null ? "" : "?focus=" + encodeURIComponent(ENTITIES[focus].id));
const entityLink = i => el("a", {href: entityHref(i)}, ENTITIES[i].name);
const fold = s => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
const searchKeys = ENTITIES.map(e => fold([e.name, ...e.aliases.map(a => a[0])].join(" | ")));

function pager(box, total, page, onPage) {
  box.replaceChildren();
  const pages = Math.max(1, Math.ceil(total / PAGE));
  if (pages === 1) return;
  box.append(el("button", {type: "button", onclick: () => onPage(page - 1), ...(page === 0 ? {disabled: ""} : {})}, "‹ previous"),
             el("span", {}, `page ${page + 1} of ${pages}`),
             el("button", {type: "button", onclick: () => onPage(page + 1), ...(page >= pages - 1 ? {disabled: ""} : {})}, "next ›"));
}

// ---- entity index ----
const entityState = {sort: "mentions", descending: true, page: 0};
function entityRows() {
  const query = fold(document.getElementById("search").value.trim());
  const label = document.getElementById("filter-label").value;
  const minMentions = +document.getElementById("min-mentions").value || 1;
  const minDocuments = +document.getElementById("min-documents").value || 1;
  const rows = [];
  ENTITIES.forEach((e, i) => {
    if ((!label || e.label === label) && e.mentions >= minMentions && e.documents >= minDocuments &&
        (!query || searchKeys[i].includes(query))) rows.push(i);
  });
  const key = entityState.sort, sign = entityState.descending ? -1 : 1;
  rows.sort((a, b) => {
    const x = ENTITIES[a][key], y = ENTITIES[b][key];
    return sign * (typeof x === "string" ? x.localeCompare(y) : x - y) || a - b;
  });
  return rows;
}
function drawEntityIndex() {
  const rows = entityRows();
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  entityState.page = Math.min(entityState.page, pages - 1);
  const shown = rows.slice(entityState.page * PAGE, (entityState.page + 1) * PAGE);
  document.querySelector("#entity-table tbody").replaceChildren(...shown.map(i => {
    const e = ENTITIES[i];
    const others = e.aliases.map(a => a[0]).filter(a => a !== e.name);
    return el("tr", {}, el("td", {}, entityLink(i)), el("td", {}, badge(e.label)),
              el("td", {class: "aliases"}, others.slice(0, 6).join(" | ") + (others.length > 6 ? " …" : "")),
              el("td", {class: "num"}, String(e.mentions)), el("td", {class: "num"}, String(e.documents)));
  }));
  document.getElementById("entity-count").textContent = `${rows.length} of ${ENTITIES.length} entities`;
  document.querySelectorAll("#entity-table th[data-sort]").forEach(th => {
    th.classList.toggle("sorted-asc", th.dataset.sort === entityState.sort && !entityState.descending);
    th.classList.toggle("sorted-desc", th.dataset.sort === entityState.sort && entityState.descending);
  });
  pager(document.querySelector('.pager[data-for="entities"]'), rows.length, entityState.page,
        page => { entityState.page = page; drawEntityIndex(); });
}
for (const id of ["search", "filter-label", "min-mentions", "min-documents"])
  document.getElementById(id).addEventListener("input", () => { entityState.page = 0; drawEntityIndex(); });
document.querySelectorAll("#entity-table th[data-sort]").forEach(th => th.addEventListener("click", () => {
  const key = th.dataset.sort;
  entityState.descending = key === entityState.sort ? !entityState.descending : key === "mentions" || key === "documents";
  entityState.sort = key;
  drawEntityIndex();
}));

// ---- time ----
const charts = {};
function chart(id, config) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new Chart(document.getElementById(id), config);
}
// Mentions per day, or per week (from Monday) when the dates span more than 90 days.
function timeBuckets(mentionIndices) {
  const days = DOCUMENTS.map(d => d.date).filter(Boolean).sort();
  if (!days.length) return null;
  const weekly = (Date.parse(days[days.length - 1]) - Date.parse(days[0])) / 864e5 > 90;
  const bucket = day => {
    if (!weekly) return day;
    const t = new Date(day + "T00:00:00Z");
    t.setUTCDate(t.getUTCDate() - (t.getUTCDay() + 6) % 7);
    return t.toISOString().slice(0, 10);
  };
  const keys = [], seen = new Set();
  for (let t = Date.parse(bucket(days[0])); t <= Date.parse(days[days.length - 1]); t += (weekly ? 7 : 1) * 864e5) {
    const key = new Date(t).toISOString().slice(0, 10);
    if (!seen.has(key)) { seen.add(key); keys.push(key); }
  }
  const counts = {};
  for (const label of Object.keys(COLOURS)) counts[label] = Object.fromEntries(keys.map(k => [k, 0]));
  for (const i of mentionIndices) {
    const day = DOCUMENTS[M.doc[i]].date;
    if (day) counts[ENTITIES[M.entity[i]].label][bucket(day)] += 1;
  }
  return {weekly, keys, counts};
}
function timeChart(id, mentionIndices) {
  const buckets = timeBuckets(mentionIndices);
  if (!buckets) return false;
  const datasets = Object.entries(buckets.counts).filter(([, c]) => Object.values(c).some(Boolean)).map(([label, c]) => (
    {label, data: buckets.keys.map(k => c[k]), backgroundColor: COLOURS[label]}));
  chart(id, {type: "bar", data: {labels: buckets.keys, datasets},
             options: {animation: false, maintainAspectRatio: false,
                       scales: {x: {stacked: true, title: {display: true, text: buckets.weekly ? "week from" : "day"}},
                                y: {stacked: true, title: {display: true, text: "mentions"}}}}});
  return true;
}

// ---- one entity ----
function kwicRow(i) {
  const d = M.doc[i], text = DOCUMENTS[d].text;
  const s0 = M.s0[i], s1 = M.s1[i], start = M.start[i], end = M.end[i];
  const left = text.slice(Math.max(s0, start - CONTEXT), start), right = text.slice(end, Math.min(s1, end + CONTEXT));
  return el("tr", {},
    el("td", {class: "doc"}, el("a", {href: documentHref(d, M.entity[i])}, DOCUMENTS[d].id),
       DOCUMENTS[d].date ? " " + DOCUMENTS[d].date : ""),
    el("td", {class: "left"}, el("span", {}, (start - CONTEXT > s0 ? "…" : "") + left)),
    el("td", {class: "hit"}, el("mark", {class: "entity", style: {background: COLOURS[ENTITIES[M.entity[i]].label]}},
                                 text.slice(start, end))),
    el("td", {class: "right"}, right + (end + CONTEXT < s1 ? "…" : "")));
}
function drawEntity(i) {
  const e = ENTITIES[i], view = document.getElementById("view-entity");
  const mentions = byEntity[i].slice().sort((a, b) =>
    (DOCUMENTS[M.doc[a]].date || "").localeCompare(DOCUMENTS[M.doc[b]].date || "") || M.doc[a] - M.doc[b] || M.start[a] - M.start[b]);
  const days = mentions.map(m => DOCUMENTS[M.doc[m]].date).filter(Boolean);
  const perDocument = new Map();
  for (const m of mentions) perDocument.set(M.doc[m], (perDocument.get(M.doc[m]) || 0) + 1);
  const kwic = el("tbody", {});
  let shown = 0;
  const more = el("button", {type: "button", id: "more-sentences"}, "more sentences");
  const showMore = () => {
    kwic.append(...mentions.slice(shown, shown + KWIC_PAGE).map(kwicRow));
    shown += KWIC_PAGE;
    more.hidden = shown >= mentions.length;
  };
  more.addEventListener("click", showMore);
  const documents = [...perDocument].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  view.replaceChildren(...[
    el("h2", {}, e.name, " ", badge(e.label)),
    el("p", {class: "meta"}, `${e.mentions} mentions in ${e.documents} documents`,
       days.length ? `, first ${days[0]}, last ${days[days.length - 1]}` : "", ". Id ", el("code", {}, e.id)),
    el("div", {class: "columns"},
      el("div", {},
        el("h3", {}, "Aliases"),
        e.aliases.length ? el("ul", {}, e.aliases.map(([alias, n, rule]) => el("li", {}, alias, ` (${n}, ${rule})`)))
                         : el("p", {}, "none"),
        el("h3", {}, "Roles"),
        e.roles.length ? el("ul", {}, e.roles.map(([role, n]) => el("li", {}, role, ` (${n})`))) : el("p", {}, "none")),
      el("div", {},
        el("h3", {}, "Most often in the same sentence"),
        e.partners.length ? el("table", {id: "partners"}, el("thead", {}, el("tr", {}, el("th", {}, "entity"), el("th", {}, "label"),
                                 el("th", {class: "num"}, "sentences"), el("th", {class: "num"}, "documents"))),
            el("tbody", {}, e.partners.map(([p, s, d]) => el("tr", {}, el("td", {}, entityLink(p)), el("td", {}, badge(ENTITIES[p].label)),
                                                           el("td", {class: "num"}, String(s)), el("td", {class: "num"}, String(d))))))
          : el("p", {}, "none"))),
    DATA.dated ? el("div", {}, el("h3", {}, "Mentions over time"), el("div", {class: "chart"}, el("canvas", {id: "chart-entity-time"}))) : null,
    el("h3", {}, `Sentences (${mentions.length})`),
    el("table", {class: "kwic"}, kwic), more,
    el("h3", {}, `Documents (${documents.length})`),
    el("ul", {class: "documents"}, documents.map(([d, n]) => el("li", {},
      el("a", {href: documentHref(d, i)}, DOCUMENTS[d].id), DOCUMENTS[d].date ? ` ${DOCUMENTS[d].date}` : "", ` — ${n} mentions`)))
  ].filter(Boolean));
  showMore();
  if (DATA.dated) timeChart("chart-entity-time", mentions);
}

// ---- documents ----
const documentState = {page: 0};
function drawDocumentIndex() {
  const query = fold(document.getElementById("document-search").value.trim());
  const rows = DOCUMENTS.map((d, i) => i).filter(i => !query || fold(DOCUMENTS[i].id + " " + DOCUMENTS[i].source).includes(query));
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  documentState.page = Math.min(documentState.page, pages - 1);
  document.querySelector("#document-table tbody").replaceChildren(...rows.slice(documentState.page * PAGE, (documentState.page + 1) * PAGE).map(i => {
    const d = DOCUMENTS[i];
    return el("tr", {}, el("td", {}, d.text == null ? d.id : el("a", {href: documentHref(i)}, d.id)),
              el("td", {class: "date-column"}, d.date), el("td", {}, d.source), el("td", {class: "num"}, String(d.mentions)),
              el("td", {}, d.status + (d.error ? ": " + d.error : "")));
  }));
  document.getElementById("document-count").textContent = `${rows.length} of ${DOCUMENTS.length} documents`;
  pager(document.querySelector('.pager[data-for="documents"]'), rows.length, documentState.page,
        page => { documentState.page = page; drawDocumentIndex(); });
}
document.getElementById("document-search").addEventListener("input", () => { documentState.page = 0; drawDocumentIndex(); });

// The document as paragraphs (one per line), each mention marked as displaCy marks entities
// and linked to its entity; boilerplate lines greyed.
function highlighted(d, focus) {
  const text = DOCUMENTS[d].text, mentions = byDocument[d].slice().sort((a, b) => M.start[a] - M.start[b] || M.end[b] - M.end[a]);
  const boilerplate = DOCUMENTS[d].boilerplate, paragraphs = [];
  let next = 0;
  for (const line of text.matchAll(/[^\n]*\S[^\n]*/g)) {
    const start = line.index, end = start + line[0].length, pieces = [];
    let position = start;
    while (next < mentions.length && M.start[mentions[next]] < end) {
      const m = mentions[next++];
      if (M.start[m] < position || M.start[m] < start) continue;
      const e = M.entity[m];
      pieces.push(text.slice(position, M.start[m]),
                  el("mark", {class: "entity" + (e === focus ? " focus" : ""), style: {background: COLOURS[ENTITIES[e].label]},
                              title: ENTITIES[e].name},
                     el("a", {href: entityHref(e)}, text.slice(M.start[m], M.end[m])), el("span", {}, ENTITIES[e].label)));
      position = M.end[m];
    }
    pieces.push(text.slice(position, end));
    const grey = boilerplate.some(([zs, ze]) => zs <= start && start < ze);
    paragraphs.push(el("p", grey ? {class: "boilerplate"} : {}, pieces));
  }
  return paragraphs;
}
function drawDocument(d, focus) {
  const doc = DOCUMENTS[d], view = document.getElementById("view-document");
  const present = new Map();
  for (const m of byDocument[d]) present.set(M.entity[m], (present.get(M.entity[m]) || 0) + 1);
  view.replaceChildren(
    el("h2", {}, doc.id),
    el("p", {class: "meta"}, doc.date ? `${doc.date} · ` : "", `${doc.source} · ${doc.mentions} mentions`),
    el("p", {class: "chips"}, [...present].sort((a, b) => b[1] - a[1]).map(([e, n]) =>
      el("a", {href: entityHref(e), style: {background: COLOURS[ENTITIES[e].label]}}, `${ENTITIES[e].name} ${n}`))),
    doc.text == null ? el("p", {}, "The run kept no text for this document.")
                     : el("section", {class: "doc-text"}, highlighted(d, focus)));
  const first = view.querySelector("mark.focus");
  if (first) first.scrollIntoView({block: "center"});
}

// ---- network ----
const SVG = "http://www.w3.org/2000/svg", WIDTH = 1100, HEIGHT = 760, MARGIN = 30;
const net = DATA.network;
const svgEl = (tag, attrs) => {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
};
let networkDrawn = false;
function drawNetwork() {
  const svg = document.getElementById("network");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  const maxWeight = Math.max(1, ...net.edges.map(e => e[2]));
  const slider = document.getElementById("min-weight");
  slider.max = String(Math.min(maxWeight, 50));
  const nodes = net.nodes.map(([row, x, y]) => {
    const e = ENTITIES[row];
    return {row, e, x: MARGIN + x * (WIDTH - 2 * MARGIN), y: MARGIN + y * (HEIGHT - 2 * MARGIN),
            r: 3 + 1.6 * Math.sqrt(e.mentions / ENTITIES[net.nodes[0][0]].mentions) * 10, links: []};
  });
  const edges = net.edges.map(([a, b, w]) => {
    const line = svgEl("line", {x1: nodes[a].x, y1: nodes[a].y, x2: nodes[b].x, y2: nodes[b].y,
                                "stroke-width": Math.min(0.6 + Math.log(w), 5), "stroke-opacity": 0.35});
    const edge = {a, b, w, line};
    nodes[a].links.push(edge); nodes[b].links.push(edge);
    return edge;
  });
  const edgeLayer = svgEl("g", {}), nodeLayer = svgEl("g", {}), labelLayer = svgEl("g", {});
  edges.forEach(e => edgeLayer.append(e.line));
  const tooltip = document.getElementById("tooltip");
  nodes.forEach((n, i) => {
    const g = svgEl("g", {class: "node"});
    const circle = svgEl("circle", {cx: n.x, cy: n.y, r: n.r, fill: COLOURS[n.e.label]});
    const label = svgEl("text", {x: n.x + n.r + 3, y: n.y + 4});
    label.textContent = n.e.name;
    g.append(circle);
    labelLayer.append(label);
    Object.assign(n, {g, circle, label});
    circle.addEventListener("click", () => { location.hash = entityHref(n.row); });
    circle.addEventListener("mouseenter", () => {
      svg.classList.add("hovering"); g.classList.add("hover", "near"); n.label.classList.add("near");
      const partners = n.links.filter(e => e.visible).sort((x, y) => y.w - x.w);
      partners.forEach(e => {
        const other = nodes[e.a === i ? e.b : e.a];
        e.line.classList.add("near"); other.g.classList.add("near"); other.label.classList.add("near");
      });
      tooltip.replaceChildren(el("strong", {}, n.e.name), " ", badge(n.e.label),
        el("div", {}, `${n.e.mentions} mentions, ${n.e.documents} documents`),
        partners.length ? el("div", {}, "with: " + partners.slice(0, 5).map(e => `${nodes[e.a === i ? e.b : e.a].e.name} (${e.w})`).join(", ")) : null);
      const box = svg.getBoundingClientRect(), scale = box.width / WIDTH;
      tooltip.style.left = Math.min(n.x * scale + 12, box.width - 260) + "px";
      tooltip.style.top = (n.y * scale + 12) + "px";
      tooltip.hidden = false;
    });
    circle.addEventListener("mouseleave", () => {
      svg.classList.remove("hovering");
      svg.querySelectorAll(".near").forEach(x => x.classList.remove("near", "hover"));
      tooltip.hidden = true;
    });
    nodeLayer.append(g);
  });
  svg.replaceChildren(edgeLayer, nodeLayer, labelLayer);
  // At first, the links of at least as many shared sentences as keep about three per drawn entity.
  const weights = edges.map(e => e.w).sort((a, b) => b - a);
  slider.value = String(Math.min(+slider.max, weights[Math.min(weights.length - 1, 3 * nodes.length)] || 1));
  const filter = () => {
    const labels = new Set([...document.querySelectorAll('input[name="network-label"]:checked')].map(x => x.value));
    const minWeight = +slider.value;
    document.getElementById("min-weight-value").textContent = slider.value;
    edges.forEach(e => {
      e.visible = e.w >= minWeight && labels.has(nodes[e.a].e.label) && labels.has(nodes[e.b].e.label);
      e.line.style.display = e.visible ? "" : "none";
    });
    nodes.forEach(n => {
      n.visible = labels.has(n.e.label) && n.links.some(e => e.visible);
      n.g.style.display = n.visible ? "" : "none";
      n.label.style.display = "none";
    });
    placeLabels(nodes.filter(n => n.visible));
    document.getElementById("network-count").textContent =
      `${nodes.filter(n => n.visible).length} entities, ${edges.filter(e => e.visible).length} links`;
  };
  document.querySelectorAll("#network-filters input").forEach(x => x.addEventListener("input", filter));
  filter();
}
// Labels, most mentioned entity first, each right, left, above or below its node, wherever it
// overlaps no label placed before it nor a more mentioned entity's node; a label with no free
// place is left out (its name shows on hover). Labels have a white halo over smaller nodes.
function placeLabels(nodes) {
  const placed = [];
  const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  const circles = nodes.map(n => ({x: n.x - n.r, y: n.y - n.r, w: 2 * n.r, h: 2 * n.r, n}));
  for (const n of nodes.slice().sort((a, b) => b.e.mentions - a.e.mentions)) {
    n.label.style.display = "";
    const w = n.label.getComputedTextLength(), h = 12;
    const spots = [[n.x + n.r + 3, n.y + 4, "start"], [n.x - n.r - 3, n.y + 4, "end"],
                   [n.x, n.y - n.r - 3, "middle"], [n.x, n.y + n.r + 11, "middle"]];
    const spot = spots.find(([x, y, anchor]) => {
      const left = anchor === "start" ? x : anchor === "end" ? x - w : x - w / 2;
      const box = {x: left, y: y - 10, w, h};
      const inside = left >= 0 && left + w <= WIDTH && box.y >= 0 && box.y + h <= HEIGHT;
      return inside && !placed.some(p => overlaps(p, box)) &&
        !circles.some(c => c.n !== n && c.n.e.mentions >= n.e.mentions && overlaps(c, box)) && placed.push(box);
    });
    if (spot) {
      n.label.setAttribute("x", spot[0]); n.label.setAttribute("y", spot[1]); n.label.setAttribute("text-anchor", spot[2]);
    } else n.label.style.display = "none";
  }
}

// ---- overview ----
let overviewDrawn = false;
function drawOverview() {
  if (overviewDrawn) return;
  overviewDrawn = true;
  const labels = Object.keys(COLOURS);
  chart("chart-labels", {type: "bar", data: {labels, datasets: [{data: labels.map(l => ENTITIES.filter(e => e.label === l).length),
                                                                 backgroundColor: labels.map(l => COLOURS[l])}]},
                         options: {animation: false, maintainAspectRatio: false, plugins: {legend: {display: false}},
                                   scales: {y: {title: {display: true, text: "entities"}}}}});
  document.getElementById("top-by-label").replaceChildren(...labels.map(label => el("div", {},
    el("h3", {}, badge(label)), el("ol", {}, ENTITIES.map((e, i) => [e, i]).filter(([e]) => e.label === label).slice(0, 10)
      .map(([e, i]) => el("li", {}, entityLink(i), ` ${e.mentions}`))))));
  const top = ENTITIES.slice(0, 25);
  chart("chart-top", {type: "bar", data: {labels: top.map(e => e.name),
                                          datasets: [{data: top.map(e => e.mentions), backgroundColor: top.map(e => COLOURS[e.label])}]},
                      options: {indexAxis: "y", animation: false, maintainAspectRatio: false, plugins: {legend: {display: false}},
                                scales: {x: {title: {display: true, text: "mentions"}}, y: {ticks: {autoSkip: false}}},
                                onClick: (event, items) => { if (items.length) location.hash = entityHref(items[0].index); }}});
  if (DATA.dated && timeChart("chart-timeline", M.doc.map((_, i) => i)))
    document.getElementById("figure-timeline").hidden = false;
}

// ---- routing: #overview, #entities, #entity/ID, #documents, #document/ID?focus=ENTITY, #network ----
function show(view) {
  document.querySelectorAll("section.view").forEach(s => { s.hidden = s.id !== "view-" + view; });
  document.querySelectorAll("nav a").forEach(a => a.classList.toggle("active", view.startsWith(a.dataset.view)));
}
function route() {
  const [path, query] = decodeURIComponent(location.hash.slice(1)).split("?focus=");
  const [view, ...rest] = path.split("/"), id = rest.join("/");
  if (view === "entity" && entityById.has(id)) { show("entity"); drawEntity(entityById.get(id)); window.scrollTo(0, 0); }
  else if (view === "document" && documentById.has(id)) {
    show("document"); window.scrollTo(0, 0); drawDocument(documentById.get(id), query ? entityById.get(query) : null);
  }
  else if (view === "entities") { show("entities"); drawEntityIndex(); }
  else if (view === "documents") { show("documents"); drawDocumentIndex(); }
  else if (view === "network") { show("network"); if (!networkDrawn) { networkDrawn = true; drawNetwork(); } }
  else { show("overview"); drawOverview(); }
}
document.body.classList.toggle("undated", !DATA.dated);
window.addEventListener("hashchange", route);
route();
document.body.dataset.readyMs = String(Math.round(performance.now()));
