// What both class pages share: the settings the server put in the page, its texts, the API.
"use strict";
const S = JSON.parse(document.getElementById("settings").textContent);
const T = S.t;

function nameOf(id) { return S.names[id] || id; }

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value != null) node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(`${path}?lang=${S.lang}`, options);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function showError(error) {
  document.getElementById("error").textContent = error ? error.message || String(error) : "";
}

// Fill every element that names a text, and the language switch.
function translatePage() {
  document.title = T[document.body.dataset.title];
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = T[node.dataset.t];
  const switcher = document.getElementById("languages");
  for (const [code, label] of Object.entries(S.languages)) {
    switcher.append(el("a", { href: `?lang=${code}`, class: code === S.lang ? "current" : null,
                              text: label }));
  }
}

function fmt(value, digits = 2) { return Number(value).toFixed(digits); }
translatePage();
