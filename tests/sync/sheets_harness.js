// Runs contrib/labmate-sheets.gs under Node with stand-ins for the Apps Script services it
// uses: an in-memory sheet, script properties, and UrlFetchApp doing real HTTP (through curl,
// synchronously, as Apps Script does). Reads {"gs", "properties", "steps"} as JSON on stdin;
// each step is ["pull"], ["edit", row, column, newValue, oldValue] or ["api", method, path,
// body] (another client changing Labmate meanwhile); prints
// {"results", "cells", "notes", "requests"} as JSON.
'use strict';

const fs = require('fs');
const vm = require('vm');
const { execFileSync } = require('child_process');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const requests = [];

class Sheet {
  constructor(name) {
    this.name = name;
    this.cells = {};
    this.notes = {};
    this.checkboxes = {};
    this.hidden = [];
  }
  getName() { return this.name; }
  getRange(row, column, rows = 1, columns = 1) { return new Range(this, row, column, rows, columns); }
  clearContents() { this.cells = {}; }
  hideColumns(column, count) { this.hidden.push([column, count]); }
  grid() {
    let rows = 0;
    let columns = 0;
    for (const key of Object.keys(this.cells)) {
      const [r, c] = key.split(',').map(Number);
      rows = Math.max(rows, r);
      columns = Math.max(columns, c);
    }
    const grid = [];
    for (let r = 1; r <= rows; r++) {
      const line = [];
      for (let c = 1; c <= columns; c++) line.push(this.cells[`${r},${c}`] ?? '');
      grid.push(line);
    }
    return grid;
  }
}

class Range {
  constructor(sheet, row, column, rows, columns) {
    Object.assign(this, { sheet, row, column, rows, columns });
  }
  getSheet() { return this.sheet; }
  getRow() { return this.row; }
  getColumn() { return this.column; }
  getNumRows() { return this.rows; }
  getNumColumns() { return this.columns; }
  getValue() { return this.sheet.cells[`${this.row},${this.column}`] ?? ''; }
  setValue(value) { this.sheet.cells[`${this.row},${this.column}`] = value; return this; }
  setValues(values) {
    values.forEach((line, r) => line.forEach((value, c) => {
      const key = `${this.row + r},${this.column + c}`;
      this.sheet.cells[key] = this.sheet.checkboxes[key] ? value === true : value;
    }));
    return this;
  }
  insertCheckboxes() {
    for (let r = 0; r < this.rows; r++) {
      const key = `${this.row + r},${this.column}`;
      this.sheet.checkboxes[key] = true;
      this.sheet.cells[key] = this.sheet.cells[key] === true;
    }
    return this;
  }
  setNote(note) { this.sheet.notes[`${this.row},${this.column}`] = note; return this; }
  clearNote() { delete this.sheet.notes[`${this.row},${this.column}`]; return this; }
}

const sheets = {};
const book = {
  getSheetByName: (name) => sheets[name] || null,
  insertSheet: (name) => (sheets[name] = new Sheet(name)),
};

function fetch(url, options) {
  const args = ['-s', '-S', '-i', '-X', options.method.toUpperCase()];
  for (const [name, value] of Object.entries(options.headers || {})) args.push('-H', `${name}: ${value}`);
  if (options.payload !== undefined) {
    args.push('-H', `Content-Type: ${options.contentType}`, '--data-binary', options.payload);
  }
  args.push(url);
  requests.push([options.method.toUpperCase(), url, (options.headers || {})['If-Match'] || null]);
  const raw = execFileSync('curl', args).toString('utf8');
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).split('\r\n');
  const body = raw.slice(split + 4);
  const code = Number(head[0].split(' ')[1]);
  const headers = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return {
    getResponseCode: () => code,
    getAllHeaders: () => headers,
    getContentText: () => body,
  };
}

const context = {
  PropertiesService: { getScriptProperties: () => ({ getProperty: (k) => input.properties[k] ?? null }) },
  UrlFetchApp: { fetch },
  Utilities: { sleep: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms) },
  SpreadsheetApp: { getActiveSpreadsheet: () => book },
  ScriptApp: { getProjectTriggers: () => [] },
  JSON,
  Object,
  Number,
  String,
  Math,
  Error,
};
vm.createContext(context);
vm.runInContext(fs.readFileSync(input.gs, 'utf8'), context);

const results = [];
for (const step of input.steps) {
  if (step[0] === 'pull') {
    results.push(context.labmatePull());
  } else if (step[0] === 'api') {
    const [, method, path, body] = step;
    const response = fetch(input.properties.LABMATE_URL + path, {
      method,
      headers: { Authorization: 'Bearer ' + input.properties.LABMATE_TOKEN },
      contentType: 'application/json',
      payload: JSON.stringify(body),
    });
    results.push(response.getResponseCode());
  } else {
    const [, row, column, value, oldValue] = step;
    const sheet = book.getSheetByName('Labmate: ' + input.properties.LABMATE_BOARD);
    const range = sheet.getRange(row, column);
    range.setValue(value);
    results.push(context.labmateOnEdit({ range, value: String(value).toUpperCase(), oldValue }));
  }
}
const sheet = book.getSheetByName('Labmate: ' + input.properties.LABMATE_BOARD);
process.stdout.write(JSON.stringify({ results, cells: sheet.grid(), notes: sheet.notes, requests }));
