/**
 * Labmate ⇄ Google Sheets: pull a Labmate board into a sheet, push checkbox edits back.
 *
 * Setup (docs/sync.md has the screenshots-free version):
 *   1. In the Sheet: Extensions → Apps Script. Paste this file, save.
 *   2. Project Settings → Script properties:
 *        LABMATE_URL     https://labmate.example.org
 *        LABMATE_TOKEN   lm_…   (a personal token; "write" only if you push checkbox edits,
 *                                best limited to your lab)
 *        LABMATE_BOARD   solves  (solves, slots, meetings, questions, review-assignments)
 *        LABMATE_COHORT  12      (optional: one cohort's rows only)
 *   3. Run labmateInstall() once and authorize: it pulls now, then every 15 minutes, and
 *      installs the edit trigger that pushes checkbox ticks back.
 *
 * Pushing is safe for two-way use: before changing anything the script reads the object and
 * its ETag; if Labmate changed it since the last pull, or someone changes it in between
 * (412), the row is refreshed from Labmate instead of overwriting the newer edit. A refused
 * edit (say, ticking someone else's solve: 403) is undone with a note on the cell.
 *
 * Only values are written (never formulas): a title such as "=IMPORTXML(…)" stays text.
 */

var LABMATE_BOARDS = {
  solves: {
    path: 'solves',
    columns: [
      { header: 'Problem', read: function (o) { return o.problem; } },
      { header: 'Member', read: function (o) { return o.display_name; } },
      { header: 'Status', read: function (o) { return o.status; } },
      {
        header: 'Solved',
        checkbox: true,
        read: function (o) { return o.status === 'solved'; },
        write: function (checked) { return { status: checked ? 'solved' : 'not_started' }; },
      },
      {
        header: 'Presented',
        checkbox: true,
        read: function (o) { return o.presented === true; },
        write: function (checked) { return { presented: checked }; },
      },
      { header: 'Solution', read: function (o) { return o.solution_url; } },
    ],
  },
  slots: {
    path: 'slots',
    columns: [
      { header: 'Meeting', read: function (o) { return o.meeting; } },
      { header: 'Track', read: function (o) { return o.kind; } },
      { header: 'Title', read: function (o) { return o.title; } },
      {
        header: 'Presenters',
        read: function (o) {
          return (o.presenters || []).map(function (p) { return p.display_name; }).join(', ');
        },
      },
      { header: 'Capacity', read: function (o) { return o.capacity; } },
      { header: 'Materials', read: function (o) { return o.materials_url; } },
    ],
  },
  meetings: {
    path: 'meetings',
    columns: [
      { header: 'Number', read: function (o) { return o.number; } },
      { header: 'Title', read: function (o) { return o.title; } },
      { header: 'Starts', read: function (o) { return o.starts_at; } },
      { header: 'Ends', read: function (o) { return o.ends_at; } },
      { header: 'Status', read: function (o) { return o.status; } },
      { header: 'Online link', read: function (o) { return o.online_url; } },
    ],
  },
  questions: {
    path: 'questions',
    columns: [
      { header: 'Week', read: function (o) { return o.week; } },
      { header: 'Topic', read: function (o) { return o.topic_title; } },
      { header: 'Author', read: function (o) { return o.author_name; } },
      { header: 'Question', read: function (o) { return o.text; } },
    ],
  },
  'review-assignments': {
    path: 'review-assignments',
    columns: [
      { header: 'Paper', read: function (o) { return o.paper; } },
      { header: 'Reviewer', read: function (o) { return o.reviewer_name; } },
      { header: 'Status', read: function (o) { return o.status; } },
      { header: 'Due', read: function (o) { return o.due_at; } },
      { header: 'Write-up', read: function (o) { return o.writeup_url; } },
    ],
  },
};

// Two hidden columns after the board's own: the object's id and the updated_at it had.
var LABMATE_ID_HEADER = 'Labmate id';
var LABMATE_VERSION_HEADER = 'Labmate updated_at';
var LABMATE_FORMULA_START = /^[=+\-@\t\r]/;

function labmateConfig_() {
  var props = PropertiesService.getScriptProperties();
  var config = {
    url: String(props.getProperty('LABMATE_URL') || '').replace(/\/+$/, ''),
    token: props.getProperty('LABMATE_TOKEN') || '',
    board: props.getProperty('LABMATE_BOARD') || 'solves',
    cohort: props.getProperty('LABMATE_COHORT') || '',
  };
  if (!config.url || !config.token) {
    throw new Error('Set LABMATE_URL and LABMATE_TOKEN in the script properties.');
  }
  if (!LABMATE_BOARDS[config.board]) {
    throw new Error('Unknown LABMATE_BOARD: ' + config.board);
  }
  return config;
}

/** One API call; waits out a 429 (Retry-After) up to three times. */
function labmateFetch_(config, method, url, body, headers) {
  var options = {
    method: method,
    muteHttpExceptions: true,
    headers: Object.assign({ Authorization: 'Bearer ' + config.token, Accept: 'application/json' }, headers || {}),
  };
  if (body !== undefined) {
    options.contentType = 'application/json';
    options.payload = JSON.stringify(body);
  }
  for (var attempt = 0; ; attempt++) {
    var response = UrlFetchApp.fetch(url, options);
    var code = response.getResponseCode();
    var responseHeaders = response.getAllHeaders();
    if (code === 429 && attempt < 3) {
      var wait = Number(labmateHeader_(responseHeaders, 'Retry-After') || 5);
      Utilities.sleep(Math.min(wait, 60) * 1000);
      continue;
    }
    var text = response.getContentText();
    return {
      code: code,
      etag: labmateHeader_(responseHeaders, 'ETag'),
      json: text ? JSON.parse(text) : null,
    };
  }
}

function labmateHeader_(headers, name) {
  for (var key in headers) {
    if (key.toLowerCase() === name.toLowerCase()) return headers[key];
  }
  return null;
}

function labmateSheet_(config) {
  var book = SpreadsheetApp.getActiveSpreadsheet();
  var name = 'Labmate: ' + config.board;
  return book.getSheetByName(name) || book.insertSheet(name);
}

/** A cell value that a spreadsheet shows as text, never runs as a formula. */
function labmateCell_(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' && LABMATE_FORMULA_START.test(value)) return "'" + value;
  return value;
}

function labmateRow_(board, object) {
  var row = board.columns.map(function (column) { return labmateCell_(column.read(object)); });
  row.push(object.id, object.updated_at);
  return row;
}

/** Pull the whole board into its sheet (every page of the list). */
function labmatePull() {
  var config = labmateConfig_();
  var board = LABMATE_BOARDS[config.board];
  var url = config.url + '/api/v1/' + board.path + '/?page_size=500';
  if (config.cohort) url += '&cohort=' + encodeURIComponent(config.cohort);
  var rows = [];
  while (url) {
    var page = labmateFetch_(config, 'get', url);
    if (page.code !== 200) throw new Error('Labmate answered ' + page.code + ' for ' + url);
    page.json.results.forEach(function (object) { rows.push(labmateRow_(board, object)); });
    url = page.json.next;
  }
  var header = board.columns.map(function (c) { return c.header; });
  header.push(LABMATE_ID_HEADER, LABMATE_VERSION_HEADER);
  var sheet = labmateSheet_(config);
  sheet.clearContents();
  sheet.getRange(1, 1, 1, header.length).setValues([header]);
  if (rows.length) {
    sheet.getRange(2, 1, rows.length, header.length).setValues(rows);
    board.columns.forEach(function (column, index) {
      if (column.checkbox) sheet.getRange(2, index + 1, rows.length, 1).insertCheckboxes();
    });
  }
  sheet.hideColumns(board.columns.length + 1, 2);
  return rows.length;
}

/** The installable edit trigger: push one ticked or cleared checkbox back to Labmate. */
function labmateOnEdit(e) {
  var config = labmateConfig_();
  var board = LABMATE_BOARDS[config.board];
  var range = e.range;
  var sheet = range.getSheet();
  if (sheet.getName() !== 'Labmate: ' + config.board) return 'ignored';
  if (range.getNumRows() !== 1 || range.getNumColumns() !== 1 || range.getRow() === 1) {
    return 'ignored';
  }
  var column = board.columns[range.getColumn() - 1];
  if (!column || !column.checkbox) return 'ignored';
  var width = board.columns.length;
  var row = range.getRow();
  var id = sheet.getRange(row, width + 1).getValue();
  var seen = String(sheet.getRange(row, width + 2).getValue());
  var url = config.url + '/api/v1/' + board.path + '/' + id + '/';

  var current = labmateFetch_(config, 'get', url);
  if (current.code !== 200) return labmateUndo_(range, e.oldValue, 'Labmate answered ' + current.code);
  if (current.json.updated_at !== seen) {
    labmateRefresh_(sheet, row, board, current.json);
    range.setNote('Changed in Labmate since the last pull: refreshed, nothing sent.');
    return 'stale';
  }
  var checked = range.getValue() === true;
  var sent = labmateFetch_(config, 'patch', url, column.write(checked), { 'If-Match': current.etag });
  if (sent.code === 200) {
    labmateRefresh_(sheet, row, board, sent.json);
    range.clearNote();
    return 'sent';
  }
  if (sent.code === 412) {
    var fresh = labmateFetch_(config, 'get', url);
    if (fresh.code === 200) labmateRefresh_(sheet, row, board, fresh.json);
    range.setNote('Someone changed this in Labmate just now: refreshed, nothing sent.');
    return 'stale';
  }
  var message = sent.json && sent.json.error ? sent.json.error.message : 'HTTP ' + sent.code;
  return labmateUndo_(range, e.oldValue, message);
}

function labmateRefresh_(sheet, row, board, object) {
  var values = labmateRow_(board, object);
  sheet.getRange(row, 1, 1, values.length).setValues([values]);
}

function labmateUndo_(range, oldValue, message) {
  range.setValue(String(oldValue).toUpperCase() === 'TRUE');
  range.setNote('Not sent to Labmate: ' + message);
  return 'refused';
}

/** Run once: pull now, then every 15 minutes; push checkbox edits as they happen. */
function labmateInstall() {
  ScriptApp.getProjectTriggers().forEach(function (trigger) {
    var handler = trigger.getHandlerFunction();
    if (handler === 'labmatePull' || handler === 'labmateOnEdit') ScriptApp.deleteTrigger(trigger);
  });
  ScriptApp.newTrigger('labmatePull').timeBased().everyMinutes(15).create();
  ScriptApp.newTrigger('labmateOnEdit')
    .forSpreadsheet(SpreadsheetApp.getActiveSpreadsheet())
    .onEdit()
    .create();
  return labmatePull();
}
