package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

// The hostile input test reads the OpenAPI document the server publishes
// and sends every query parameter, path parameter and JSON body field of
// every operation each value of a hostile corpus, one request per
// (operation, parameter, value). Every answer must be a 2xx, or a 4xx
// problem+json, never a 5xx; a refused request must write nothing, and what
// an accepted write wrote must stay in the tables its operation writes.

// hostileValue is a value of the corpus: text for query and path
// parameters (none for the JSON null and true), raw JSON for body fields.
type hostileValue struct {
	name, text, json string
	// param: text is sent as a parameter value.
	param bool
	// refuse: no write may take it in a body (too long, too deep, not
	// text, a number beyond any quantity).
	refuse bool
}

// refused marks a value no write may take.
func (v hostileValue) refused() hostileValue {
	v.refuse = true
	return v
}

func hostileCorpus() []hostileValue {
	str := func(name, s string) hostileValue {
		j, err := json.Marshal(s)
		if err != nil {
			panic(err)
		}
		return hostileValue{name: name, text: s, json: string(j), param: true}
	}
	raw := func(name, text, json string) hostileValue {
		return hostileValue{name: name, text: text, json: json, param: true}
	}
	deep := strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000)
	return []hostileValue{
		str("SQL or", `' OR 1=1--`),
		str("SQL drop", "1;DROP TABLE admin_unit"),
		str("SQL delete", "code); DELETE FROM observation;--"),
		raw("JSON object", `{"a":1}`, `{"a":1}`),
		str("JSON string break", `","x":"`),
		str("path traversal", "../../etc/passwd"),
		str("escaped traversal", "%2e%2e%2f"),
		raw("1e308", "1e308", "1e308").refused(),
		raw("1e309", "1e309", "1e309").refused(),
		raw("20 digits", "99999999999999999999", "99999999999999999999").refused(),
		raw("-1", "-1", "-1"),
		raw("below int64", "-9223372036854775809", "-9223372036854775809").refused(),
		raw("NaN", "NaN", "NaN").refused(),
		raw("Inf", "Inf", "Infinity").refused(),
		raw("-Inf", "-Inf", "-Infinity").refused(),
		str("NaN text", "NaN"),
		raw("invalid UTF-8", "\xff\xfe", "\"\xff\xfe\"").refused(),
		str("1 MB", strings.Repeat("A", 1_000_000)).refused(),
		// Escaped, 140,000 list items take 980 KB of URL: within net/http's limit of 1 MB for a request's header.
		str("140,000 items", strings.Repeat("code,", 140_000)).refused(),
		raw("10,000 levels", deep, deep).refused(),
		str("empty", ""),
		str("null byte", "a\x00b").refused(),
		{name: "null", json: "null"},
		{name: "true", json: "true"},
	}
}

// apiOperation is an operation of the OpenAPI document.
type apiOperation struct {
	method, path, id string
	query            []string // documented query parameters
	pathParams       []string
	body             map[string]any // the JSON request body's schema, nil without one
	mediaType        string
}

func (op apiOperation) String() string { return op.method + " " + op.path }

// openAPI is the OpenAPI document as JSON values.
type openAPI map[string]any

// resolve follows $ref until it reaches a node that is not one.
func (doc openAPI) resolve(node any) map[string]any {
	m, _ := node.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			break
		}
		var cur any = map[string]any(doc)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

// schema resolves a schema, taking the first alternative of a oneOf.
func (doc openAPI) schema(node any) map[string]any {
	s := doc.resolve(node)
	if alternatives, ok := s["oneOf"].([]any); ok {
		return doc.schema(alternatives[0])
	}
	return s
}

func (doc openAPI) operations(t *testing.T) []apiOperation {
	t.Helper()
	var ops []apiOperation
	for _, path := range slices.Sorted(maps.Keys(doc["paths"].(map[string]any))) {
		methods := doc["paths"].(map[string]any)[path].(map[string]any)
		for _, method := range slices.Sorted(maps.Keys(methods)) {
			o := methods[method].(map[string]any)
			op := apiOperation{method: strings.ToUpper(method), path: path, id: o["operationId"].(string)}
			params, _ := o["parameters"].([]any)
			for _, p := range params {
				p := doc.resolve(p)
				switch p["in"] {
				case "query":
					op.query = append(op.query, p["name"].(string))
				case "path":
					op.pathParams = append(op.pathParams, p["name"].(string))
				}
			}
			if rb := doc.resolve(o["requestBody"]); rb != nil {
				content := rb["content"].(map[string]any)
				for _, mt := range []string{"application/json", "application/geo+json"} {
					if c, ok := content[mt].(map[string]any); ok {
						op.body, op.mediaType = doc.schema(c["schema"]), mt
						break
					}
				}
			}
			ops = append(ops, op)
		}
	}
	return ops
}

// bodyFields lists the fields of an object schema as paths, nested objects'
// fields after their own.
func (doc openAPI) bodyFields(schema map[string]any, prefix []string) [][]string {
	props, _ := schema["properties"].(map[string]any)
	var fields [][]string
	for _, name := range slices.Sorted(maps.Keys(props)) {
		field := append(slices.Clone(prefix), name)
		fields = append(fields, field)
		fields = append(fields, doc.bodyFields(doc.schema(props[name]), field)...)
	}
	return fields
}

// hostileRun is the server under attack and what the test knows of it.
type hostileRun struct {
	t       *testing.T
	base    string
	conn    *pgx.Conn
	auth    []string
	client  *http.Client
	values  map[string]string // valid path parameter values by path and name
	bodies  map[string]string // a valid body by operation id
	counter int
}

// Valid request bodies, which the test makes hostile one field at a time
// (LON and LAT: the known desa's point on its surface).
var validBodies = map[string]string{
	"create_indicator":  `{"code":"hostile","name":"Hostile","dimension":"contestation","threat":"konflik_massa","unit":"desa","value_type":"binary","weight":1}`,
	"update_indicator":  `{"name":"Riwayat konflik massa"}`,
	"update_dimension":  `{"weight":0.25}`,
	"update_thresholds": `{"sedang":13.47,"tinggi":49.33}`,
	"create_token":      `{"name":"hostile","role":"viewer"}`,
	"add_observations": `{"indicator":"riwayat_konflik_massa","unit_code":"36.72.01.1001","election":"pemilu-2024","phase":"kampanye",` +
		`"value":1,"source":"bawaslu","observed_at":"2023-12-01T10:00:00+07:00"}`,
	"add_insiden": `{"type":"Feature","geometry":{"type":"Point","coordinates":[LON,LAT]},"properties":{"type":"bentrok_pendukung",` +
		`"occurred_at":"2023-12-01T10:00:00+07:00","source":"polres","description":"x"}}`,
	"plan_deployment": `{"available":100,"areas":["36.72"]}`,
}

// uniqueFields are the body fields that must be new in each request.
var uniqueFields = map[string]string{"create_indicator": "code", "create_token": "name"}

// tablesWritten are the tables each write operation may change.
var tablesWritten = map[string][]string{
	"create_indicator":  {"indicator", "indicator_phase_weight", "scoring_run", "audit_log"},
	"update_indicator":  {"indicator", "indicator_phase_weight", "scoring_run", "audit_log"},
	"update_dimension":  {"dimension", "scoring_run", "audit_log"},
	"update_thresholds": {"category_threshold", "scoring_run", "audit_log"},
	"create_token":      {"api_token", "audit_log"},
	"revoke_token":      {"api_token", "audit_log"},
	"queue_scoring":     {"scoring_run", "audit_log"},
	"add_observations":  {"observation", "risk_score", "scoring_run", "h3_score", "data_version", "audit_log"},
	"add_insiden":       {"incident", "risk_score", "scoring_run", "h3_score", "data_version", "audit_log"},
}

// Query parameters some operations need before they read the others:
// hotspots an area (exactly one of area, bbox, polygon), search a q; and
// parameters only read along with another. Items and /h3 get a small box,
// so that a hostile value taken (an empty one, a limit served as the
// maximum) costs no more than a few features.
var (
	baseQueries = func() map[string]url.Values {
		q := map[string]url.Values{"hotspots": {"area": {"36.72"}}, "search": {"q": {"serang"}}, "h3": {"bbox": {hostileBox}}}
		for _, id := range []string{"provinsi", "kabupaten", "kecamatan", "desa", "insiden", "h3-5", "h3-6", "h3-7", "h3-8", "h3-9"} {
			q["items_"+id] = url.Values{"bbox": {hostileBox}}
		}
		return q
	}()
	exclusive  = map[string][]string{"hotspots": {"area", "bbox", "polygon"}}
	companions = map[string]url.Values{
		"hotspots res": {"unit": {"h3"}}, "hotspots k": {"unit": {"h3"}},
		"hotspots permutations": {"method": {"moran"}}, "hotspots seed": {"method": {"moran"}},
	}
)

// hostileBox holds the known desa's point on its surface (Kota Cilegon).
const hostileBox = "106.06,-6.04,106.08,-6.02"

// pathValue is a valid value of a path parameter, so that only the
// parameter under test is hostile.
func (h *hostileRun) pathValue(path, name string) string {
	h.t.Helper()
	if v, ok := h.values[path+" "+name]; ok {
		return v
	}
	v, ok := h.values[name]
	if !ok {
		h.t.Fatalf("no valid value for the path parameter %s of %s: add one", name, path)
	}
	return v
}

// pathValues finds valid path parameter values and request bodies in the database at dbURL.
func (h *hostileRun) pathValues(t *testing.T, dbURL string) {
	ctx := context.Background()
	h.values = map[string]string{
		"collectionId": "desa", "level": "desa", "name": "nobody", "id": "1", "res": "7", "collection": "insiden",
		// The tile of the known desa at z12, where every layer's tiles are cheap.
		"z": "12", "x": "3254", "y": "2116", "tileMatrix": "12", "tileCol": "3254", "tileRow": "2116",
		"/indicators/{code} code": "riwayat_konflik_massa", "/dimensions/{code} code": "contestation",
		"/areas/{code}/summary code":                                      "36.72",
		"/collections/{collectionId}/items/{featureId}/explain featureId": knownDesa,
	}
	for level, code := range map[string]string{"provinsi": "36", "kabupaten": "36.72", "kecamatan": "36.72.01", "desa": knownDesa} {
		h.values["/collections/"+level+"/items/{featureId} featureId"] = code
	}
	var incident int64
	if err := h.conn.QueryRow(ctx, `SELECT min(id) FROM incident`).Scan(&incident); err != nil {
		t.Fatal(err)
	}
	h.values["/collections/insiden/items/{featureId} featureId"] = strconv.FormatInt(incident, 10)
	for res := 5; res <= 9; res++ {
		var cell string
		if err := h.conn.QueryRow(ctx, `SELECT to_hex(min(cell)) FROM h3_cell WHERE res = $1`, res).Scan(&cell); err != nil {
			t.Fatal(err)
		}
		h.values[fmt.Sprintf("/collections/h3-%d/items/{featureId} featureId", res)] = cell
	}
	p := pointOnSurface(t, dbURL, knownDesa)
	h.bodies = map[string]string{}
	for id, body := range validBodies {
		h.bodies[id] = strings.NewReplacer("LON", strconv.FormatFloat(p[0], 'f', 6, 64), "LAT", strconv.FormatFloat(p[1], 'f', 6, 64)).Replace(body)
	}
}

// hostileRequest is one request of the run, with what it tries.
type hostileRequest struct {
	op          apiOperation
	what        string
	url         string
	contentType string
	body        []byte
	// param is the documented query parameter made hostile: it must not be refused as unknown.
	param string
	// refuse: the request must not be accepted as a write (hostileValue.refuse).
	refuse bool
	// want, when set, says what is wrong with an answer the request must get.
	want func(hostileAnswer) string
}

// hostileAnswer is what the server answered.
type hostileAnswer struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// url builds the operation's URL with the path parameters given (valid ones for the others) and the query.
func (h *hostileRun) url(op apiOperation, path map[string]string, query string) string {
	u := op.path
	for _, name := range op.pathParams {
		v, ok := path[name]
		if !ok {
			v = h.pathValue(op.path, name)
		}
		u = strings.Replace(u, "{"+name+"}", url.PathEscape(v), 1)
	}
	if query != "" {
		u += "?" + query
	}
	return h.base + u
}

// validBody is the operation's valid body, with its unique field made unique.
func (h *hostileRun) validBody(op apiOperation) map[string]any {
	h.t.Helper()
	raw, ok := h.bodies[op.id]
	if !ok {
		h.t.Fatalf("%s: no valid body to start from: add one to validBodies", op)
	}
	var body map[string]any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		h.t.Fatal(err)
	}
	if field, ok := uniqueFields[op.id]; ok {
		h.counter++
		body[field] = fmt.Sprintf("hostile_%d", h.counter)
	}
	return body
}

// placeholder marks where a raw value goes in an encoded body.
const placeholder = "\x00hostile\x00"

// bodyWith encodes body with the field at path set to the raw JSON value
// (which need not be valid JSON). keyed, when set, rewrites the field's
// member from `"name":value` to what it returns.
func bodyWith(body map[string]any, path []string, value string, keyed func(name, value string) string) []byte {
	if len(path) == 0 {
		enc, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		return enc
	}
	body = deepCopy(body).(map[string]any)
	obj := body
	for _, name := range path[:len(path)-1] {
		next, ok := obj[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[name] = next
		}
		obj = next
	}
	name := path[len(path)-1]
	if value == "" { // the valid value, or an empty object when the body has none
		v, ok := obj[name]
		if !ok {
			v = map[string]any{}
		}
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		value = string(b)
	}
	obj[name] = placeholder
	enc, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	quotedName, _ := json.Marshal(name)
	marker := string(quotedName) + `:"\u0000hostile\u0000"`
	member := string(quotedName) + ":" + value
	if keyed != nil {
		member = keyed(string(quotedName), value)
	}
	return bytes.Replace(enc, []byte(marker), []byte(member), 1)
}

// deepCopy copies the maps and slices of a decoded JSON value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

// do sends a request with the admin token.
func (h *hostileRun) do(r hostileRequest) hostileAnswer {
	method := r.op.method
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(method, r.url, body)
	if err != nil {
		return hostileAnswer{err: err}
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set(h.auth[0], h.auth[1])
	res, err := h.client.Do(req)
	if err != nil {
		return hostileAnswer{err: err}
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	return hostileAnswer{status: res.StatusCode, header: res.Header, body: got, err: err}
}

// problemOf reads a 4xx answer's problem, or says what is wrong with it.
func problemOf(a hostileAnswer) (p struct {
	Status    int    `json:"status"`
	Title     string `json:"title"`
	Detail    string `json:"detail"`
	Parameter string `json:"parameter"`
}, fault string) {
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		return p, fmt.Sprintf("Content-Type %q, want application/problem+json: %.200s", ct, a.body)
	}
	if err := json.Unmarshal(a.body, &p); err != nil || p.Status != a.status || p.Title == "" || p.Detail == "" {
		return p, fmt.Sprintf("not a problem of status %d: %.200s", a.status, a.body)
	}
	return p, ""
}

// check fails the test on a 5xx, a broken connection or a 4xx that is not a problem.
func (h *hostileRun) check(r hostileRequest, a hostileAnswer) bool {
	if r.want != nil && a.err == nil {
		if fault := r.want(a); fault != "" {
			h.t.Errorf("%s %s: %s", r.op, r.what, fault)
		}
	}
	switch {
	case a.err != nil:
		h.t.Errorf("%s %s: %v", r.op, r.what, a.err)
	case a.status >= 500:
		h.t.Errorf("%s %s: %d %.300s", r.op, r.what, a.status, a.body)
	case a.status >= 400:
		if _, fault := problemOf(a); fault != "" {
			h.t.Errorf("%s %s: %d %s", r.op, r.what, a.status, fault)
		}
		// A documented parameter must not be refused as unknown.
		if r.param != "" && isUnknownParameter(a, r.param) {
			h.t.Errorf("%s %s: the document lists %s but the server refuses it as unknown: %s", r.op, r.what, r.param, a.body)
		}
	default:
		return true
	}
	return false
}

var unknownDetail = regexp.MustCompile(`^parameter (.*?): unknown parameter`)

// isUnknownParameter tells whether a is the 400 refusing name as an unknown parameter.
func isUnknownParameter(a hostileAnswer, name string) bool {
	p, fault := problemOf(a)
	m := unknownDetail.FindStringSubmatch(p.Detail)
	return fault == "" && a.status == http.StatusBadRequest && p.Parameter == name && m != nil && m[1] == name
}

// writes tells whether an operation may write.
func writes(op apiOperation) bool { return tablesWritten[op.id] != nil }

// rowsAdded names the table each accepted write of an operation adds one row to.
var rowsAdded = map[string]string{"create_indicator": "indicator", "create_token": "api_token",
	"add_observations": "observation", "add_insiden": "incident"}

// lastAudit is the id of the newest audit entry: every write the API
// commits carries one, in its own transaction.
func (h *hostileRun) lastAudit() int64 {
	var id int64
	if err := h.conn.QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM audit_log`).Scan(&id); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// runAll sends the requests: reads concurrently, writes one at a time, each
// followed by a look at the audit log. At the end, only the tables that the
// accepted writes write may have changed, each by the rows they added.
func (h *hostileRun) runAll(requests []hostileRequest) (accepted map[string][]string) {
	var reads, writeRequests []hostileRequest
	for _, r := range requests {
		if writes(r.op) {
			writeRequests = append(writeRequests, r)
		} else {
			reads = append(reads, r)
		}
	}
	before := tableState(h.t, h.conn)
	work := make(chan hostileRequest)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				a := h.do(r)
				mu.Lock()
				h.check(r, a)
				mu.Unlock()
			}
		}()
	}
	for _, r := range reads {
		work <- r
	}
	close(work)
	wg.Wait()

	accepted = map[string][]string{}
	written := map[string]bool{}
	added := map[string]int{}
	audit := h.lastAudit()
	for _, r := range writeRequests {
		a := h.do(r)
		ok := h.check(r, a)
		last := h.lastAudit()
		switch {
		case !ok && last != audit:
			h.t.Errorf("%s %s was refused (%d) but wrote %d audit entries", r.op, r.what, a.status, last-audit)
		case ok && last != audit+1:
			h.t.Errorf("%s %s was accepted (%d) with %d audit entries, want 1", r.op, r.what, a.status, last-audit)
		}
		audit = last
		if ok && r.refuse {
			h.t.Errorf("%s %s: accepted (%d) as a write: %.300s", r.op, r.what, a.status, a.body)
		}
		if ok {
			accepted[r.op.String()] = append(accepted[r.op.String()], r.what)
			for _, table := range tablesWritten[r.op.id] {
				written[table] = true
			}
			added[rowsAdded[r.op.id]]++
		}
	}
	after := tableState(h.t, h.conn)
	for table, s := range after {
		if before[table] == s {
			continue
		}
		if !written[table] {
			h.t.Errorf("table %s changed (rows/newest version %s -> %s), which no accepted write writes", table, before[table], s)
		}
		rows := func(s string) int { n, _ := strconv.Atoi(strings.Split(s, "/")[0]); return n }
		if n, ok := added[table]; ok && rows(s) != rows(before[table])+n {
			h.t.Errorf("table %s has %d rows, %d before and %d accepted writes adding one each", table, rows(s), rows(before[table]), n)
		}
	}
	return accepted
}

func TestHostileInputGetsA2xxOrA4xxProblemAndWritesNothingRefused(t *testing.T) {
	start := time.Now()
	dbURL := datatest.BantenCopy(t)
	store := datatest.OpenServing(t, dbURL)
	srv := startServer(t, apiHandler(store))
	h := &hostileRun{t: t, base: srv.URL, conn: datatest.Conn(t, dbURL), client: &http.Client{Timeout: time.Minute},
		auth: bearer(newToken(t, store, "hostile-admin", data.Admin))}
	h.pathValues(t, dbURL)
	var doc openAPI
	res := get(t, srv.URL+"/api")
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatalf("GET /api: %d %v", res.status, err)
	}
	ops := doc.operations(t)
	documented := map[string]bool{}
	for _, op := range ops {
		for _, q := range op.query {
			documented[q] = true
		}
	}
	var requests []hostileRequest
	for _, op := range ops {
		requests = append(requests, h.requests(doc, op, slices.Sorted(maps.Keys(documented)))...)
	}
	accepted := h.runAll(requests)
	for _, op := range slices.Sorted(maps.Keys(accepted)) {
		t.Logf("accepted writes of %s: %s", op, strings.Join(accepted[op], "; "))
	}
	t.Logf("%d operations, %d requests in %s", len(ops), len(requests), time.Since(start).Round(time.Millisecond))
}

// requests are the hostile requests of an operation: each value of the
// corpus in each query parameter, path parameter and body field; each body
// field given twice and in upper case; a body over the size limit; each
// parameter of another operation (documented lists them) and one made up;
// a parameter given twice.
func (h *hostileRun) requests(doc openAPI, op apiOperation, documented []string) []hostileRequest {
	// A request with the operation's valid body (if any) and the query.
	request := func(what string, path map[string]string, query url.Values) hostileRequest {
		r := hostileRequest{op: op, what: what, url: h.url(op, path, query.Encode())}
		if op.body != nil {
			r.body, r.contentType = bodyWith(h.validBody(op), nil, "", nil), op.mediaType
		}
		return r
	}
	base := func() url.Values {
		q := url.Values{}
		maps.Copy(q, baseQueries[op.id])
		return q
	}
	var requests []hostileRequest
	corpus := hostileCorpus()
	for _, name := range op.query {
		for _, v := range corpus {
			if !v.param {
				continue
			}
			q := base()
			if slices.Contains(exclusive[op.id], name) {
				for _, other := range exclusive[op.id] {
					q.Del(other)
				}
			}
			maps.Copy(q, companions[op.id+" "+name])
			q.Set(name, v.text)
			r := request("query "+name+"="+v.name, nil, q)
			r.param = name
			requests = append(requests, r)
		}
	}
	for _, name := range op.pathParams {
		for _, v := range corpus {
			if v.param {
				requests = append(requests, request("path "+name+"="+v.name, map[string]string{name: v.text}, base()))
			}
		}
	}
	if op.body != nil {
		valid := h.validBody(op)
		fields := doc.bodyFields(op.body, nil)
		for _, field := range fields {
			name := strings.Join(field, ".")
			for _, v := range corpus {
				r := request("body "+name+"="+v.name, nil, base())
				r.body, r.refuse = bodyWith(h.validBody(op), field, v.json, nil), v.refuse
				requests = append(requests, r)
			}
			if !hasField(valid, field) {
				continue
			}
			// The field twice, or in other letters: refused, naming it, as a client
			// that means either is mistaken.
			last := len(field) - 1
			upper := strings.Join(append(slices.Clone(field[:last]), strings.ToUpper(field[last])), ".")
			twice := request("body "+name+" given twice", nil, base())
			twice.body = bodyWith(h.validBody(op), field, "", func(name, value string) string { return name + ":" + value + "," + name + ":" + value })
			twice.want = refusedNaming(name)
			capitals := request("body "+name+" in upper case", nil, base())
			capitals.body = bodyWith(h.validBody(op), field, "", func(name, value string) string { return strings.ToUpper(name) + ":" + value })
			capitals.want = refusedNaming(upper)
			requests = append(requests, twice, capitals)
		}
		r := request("body of 9 MB", nil, base())
		r.body = bodyWith(h.validBody(op), fields[0], `"`+strings.Repeat("A", 9<<20)+`"`, nil)
		r.want = answered(http.StatusRequestEntityTooLarge)
		requests = append(requests, r)
	}
	// OGC API - Features: a parameter the operation does not take is a 400, be it
	// made up or another operation's; so is a parameter given twice.
	for _, name := range append(documented, "hostile_unknown") {
		if !slices.Contains(op.query, name) {
			q := base()
			q.Set(name, "1")
			r := request("unknown parameter "+name, nil, q)
			r.want = unknownParameter(name)
			requests = append(requests, r)
		}
	}
	if len(op.query) > 0 {
		name := op.query[0]
		q := base()
		v := q.Get(name)
		if v == "" {
			v = "1"
		}
		q[name] = []string{v, v}
		r := request("parameter "+name+" twice", nil, q)
		r.want = givenTwice(name)
		requests = append(requests, r)
	}
	return requests
}

// hasField tells whether body has a value at path.
func hasField(body map[string]any, path []string) bool {
	var cur any = body
	for _, name := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = obj[name]; !ok {
			return false
		}
	}
	return true
}

// answered wants an answer of the status.
func answered(status int) func(hostileAnswer) string {
	return func(a hostileAnswer) string {
		if a.status != status {
			return fmt.Sprintf("answered %d, want %d: %.300s", a.status, status, a.body)
		}
		return ""
	}
}

// refusedNaming wants a 422 whose problems name the field (by its path, or
// by its own name as the problems of an incident's properties do), or a 400
// saying what is wrong with it.
func refusedNaming(path string) func(hostileAnswer) string {
	name := path[strings.LastIndex(path, ".")+1:]
	return func(a hostileAnswer) string {
		var p struct {
			Detail   string
			Problems []struct{ Field string }
		}
		json.Unmarshal(a.body, &p)
		for _, q := range p.Problems {
			if a.status == http.StatusUnprocessableEntity && (q.Field == path || q.Field == name) {
				return ""
			}
		}
		if a.status == http.StatusBadRequest && strings.Contains(strings.ToLower(p.Detail), `"`+strings.ToLower(name)+`"`) {
			return ""
		}
		return fmt.Sprintf("answered %d, want a 422 naming the field %s: %.300s", a.status, path, a.body)
	}
}

// unknownParameter wants the 400 refusing name as an unknown parameter.
func unknownParameter(name string) func(hostileAnswer) string {
	return func(a hostileAnswer) string {
		if !isUnknownParameter(a, name) {
			return fmt.Sprintf("answered %d, want a 400 refusing %s as an unknown parameter: %.300s", a.status, name, a.body)
		}
		return ""
	}
}

// givenTwice wants the 400 refusing name as given more than once.
func givenTwice(name string) func(hostileAnswer) string {
	return func(a hostileAnswer) string {
		p, _ := problemOf(a)
		if a.status != http.StatusBadRequest || p.Parameter != name || !strings.Contains(p.Detail, "given more than once") {
			return fmt.Sprintf("answered %d, want a 400 refusing %s as given more than once: %.300s", a.status, name, a.body)
		}
		return ""
	}
}

// A JSON body is read strictly: what encoding/json would let through (a
// member twice, keeping the last; a member in other letter case; a NUL;
// strings and numbers beyond any the API takes; bytes that are not UTF-8)
// is refused, naming the member and the item of a batch.
func TestJSONBodiesAreReadStrictly(t *testing.T) {
	f := newObservationFixture(t)
	observation := func(members string) string {
		return `{"indicator":"riwayat_konflik_massa","unit_code":"` + f.desa + `","election":"pemilu-2024","phase":"kampanye",` +
			`"source":"bawaslu","observed_at":"2024-01-10T08:00:00+07:00",` + members + `}`
	}
	valid := observation(`"value":1`)
	for _, c := range []struct {
		name, body  string
		status      int
		item        int
		field, says string
	}{
		{"a member twice", "[" + valid + "," + observation(`"value":1,"value":0`) + "]", 422, 2, "value", "given more than once"},
		{"a member in capitals", observation(`"VALUE":1`), 422, 0, "VALUE", "did you mean value?"},
		// encoding/json folds the long s (U+017F) to s, as Unicode does.
		{"a member with a long s", strings.Replace(valid, `"source"`, "\"\u017fource\"", 1), 422, 0, "\u017fource", "did you mean source?"},
		{"a NUL in a string", observation(`"value":1,"note":"a\u0000b"`), 422, 0, "note", "NUL"},
		{"a number beyond 2^53", observation(`"value":9007199254740993`), 422, 0, "value", "out of range"},
		{"a string of 10,001 characters", observation(`"value":1,"note":"` + strings.Repeat("é", 10_001) + `"`), 422, 0, "note", "at most 10000"},
		{"bytes that are not UTF-8", observation("\"value\":1,\"note\":\"\xff\""), 400, 0, "", "UTF-8"},
	} {
		res := f.post(t, "?dry_run=true", "application/json", c.body)
		var p struct {
			Detail   string
			Problems []struct {
				Item          int
				Field, Reason string
			}
		}
		json.Unmarshal(res.body, &p)
		switch {
		case res.status != c.status:
			t.Errorf("%s: %d %.300s, want %d", c.name, res.status, res.body, c.status)
		case c.status == 422 && (len(p.Problems) != 1 || p.Problems[0].Item != c.item || p.Problems[0].Field != c.field ||
			!strings.Contains(p.Problems[0].Reason, c.says)):
			t.Errorf("%s: problems %+v, want item %d, field %s: ...%s", c.name, p.Problems, c.item, c.field, c.says)
		case c.status == 400 && !strings.Contains(p.Detail, c.says):
			t.Errorf("%s: %s, want it to say %s", c.name, p.Detail, c.says)
		}
	}
	if res := f.post(t, "?dry_run=true", "application/json", valid); res.status != http.StatusOK {
		t.Errorf("the valid observation: %d %s", res.status, res.body)
	}
}
