package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// Query parameters of the audit log.
const (
	ParamAction = "action"
	ParamActor  = "actor"
)

// adminRoutes serves the catalogue, the scoring runs, the tokens and the audit
// log. Reads of the catalogue and runs are public (unless every read needs a
// token); changes, tokens and the audit log need an admin token.
func (s *Server) adminRoutes(e *echo.Echo) {
	admin := require(data.Admin)
	e.GET("/indicators", s.indicators)
	e.POST("/indicators", s.createIndicator, admin)
	e.GET("/indicators/:code", s.indicator)
	e.PUT("/indicators/:code", s.updateIndicator, admin)
	e.GET("/threats", listHandler("threats", s.store.Threats))
	e.GET("/incident-types", listHandler("incident_types", s.store.IncidentTypes))
	e.GET("/dimensions", listHandler("dimensions", s.store.Dimensions))
	e.PUT("/dimensions/:code", s.setDimensionWeight, admin)
	e.GET("/thresholds", listHandler("thresholds", s.store.Thresholds))
	e.PUT("/thresholds/:level", s.setThresholds, admin)
	e.GET("/scoring/runs", s.scoringRuns)
	e.POST("/scoring/runs", s.queueScoring, admin)
	e.GET("/scoring/runs/:id", s.scoringRun)
	e.GET("/tokens", s.tokens, admin)
	e.POST("/tokens", s.createToken, admin)
	e.DELETE("/tokens/:name", s.revokeToken, admin)
	e.GET("/audit", s.auditLog, admin)
}

// decodeJSONBody reads a request body that must be one JSON object of v's
// shape: another media type is a 415, and the body is read as decodeStrict does.
func decodeJSONBody(c echo.Context, v any) error {
	mediaType, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || (mediaType != MediaJSON && !strings.HasSuffix(mediaType, "+json")) {
		return unsupportedMedia(mediaType, MediaJSON)
	}
	return decodeStrict(c.Request().Body, v)
}

// decodeStrict reads exactly one JSON value into v (a pointer to a struct, or
// to a slice of structs): broken JSON or a body that is not UTF-8 is a 400;
// a field that v does not have, a value of the wrong type, and what
// checkMembers refuses (a member named twice or in other letter case, a NUL,
// strings and numbers beyond any taken) a 422 naming the field.
func decodeStrict(body io.Reader, v any) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		return err // over the size limit (413), or the client has gone
	}
	if !utf8.Valid(raw) {
		return badBody("the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		err = dec.Decode(&json.RawMessage{})
		if err == io.EOF {
			return checkMembers(raw, v)
		}
		if err == nil {
			return badBody("the body holds more than one JSON value")
		}
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return &data.InvalidInput{Problems: []geo.InputProblem{{Field: typeErr.Field,
			Reason: fmt.Sprintf("want %s, not a JSON %s", jsonKind(typeErr.Type), typeErr.Value)}}}
	case errors.As(err, &typeErr):
		return badBody("the body must be " + jsonKind(reflect.TypeOf(v).Elem()) + ", not a JSON " + typeErr.Value)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field, _ = strconv.Unquote(field)
		return &data.InvalidInput{Problems: []geo.InputProblem{{Field: field,
			Reason: "unknown field; this body takes " + strings.Join(jsonFields(v), ", ")}}}
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("the body is empty")
	}
	return badBody("the body is not valid JSON: " + err.Error())
}

// jsonFields lists the JSON fields of the struct v points to (or of the
// elements of the slice it points to).
func jsonFields(v any) []string {
	var names []string
	t := reflect.TypeOf(v).Elem()
	if t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// jsonKind names the JSON value a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "another value"
}

// listPage answers a page of a list read with one item more than limit:
// that item only tells whether there is a next page.
func listPage[T any](name string, items []T, c echo.Context, limit, offset int, notice string) map[string]any {
	matched := int64(offset + len(items)) // beyond this page when the extra item came
	page := map[string]any{name: items[:min(len(items), limit)], "links": pageLinks(c, MediaJSON, offset, limit, min(len(items), limit), matched)}
	if notice != "" {
		page["notices"] = []string{notice}
	}
	return page
}

func (s *Server) indicators(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	list, err := s.store.Indicators(c.Request().Context())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{"indicators": list})
}

func (s *Server) indicator(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	ind, err := s.store.Indicator(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, ind)
}

// listHandler answers a list of the model's reference data as the one
// member of a JSON object.
func listHandler[T any](member string, list func(context.Context) ([]T, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := onlyParams(c, ParamFormat); err != nil {
			return err
		}
		items, err := list(c.Request().Context())
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{member: items})
	}
}

// runRef points to a scoring run that a change queued.
type runRef struct {
	ID       int64  `json:"id"`
	Election string `json:"election"`
	Phase    string `json:"phase"`
	Status   string `json:"status"`
	Href     string `json:"href"`
}

func runRefs(c echo.Context, runs []data.Run) []runRef {
	base := baseURL(c.Request())
	refs := make([]runRef, len(runs))
	for i, r := range runs {
		refs[i] = runRef{ID: r.ID, Election: r.Election, Phase: r.Phase, Status: r.Status,
			Href: base + "/scoring/runs/" + strconv.FormatInt(r.ID, 10)}
	}
	return refs
}

func (s *Server) updateIndicator(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	var ch data.IndicatorChange
	if err := decodeJSONBody(c, &ch); err != nil {
		return err
	}
	ind, runs, err := s.store.UpdateIndicator(c.Request().Context(), actorOf(c), c.Param("code"), ch)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, indicatorChanged{ind, runRefs(c, runs)})
}

// indicatorChanged is an indicator with the scoring runs that apply its change.
type indicatorChanged struct {
	data.CatalogueIndicator
	ScoringRuns []runRef `json:"scoring_runs"`
}

func (s *Server) createIndicator(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	var in data.NewIndicator
	if err := decodeJSONBody(c, &in); err != nil {
		return err
	}
	ind, runs, err := s.store.CreateIndicator(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, baseURL(c.Request())+"/indicators/"+ind.Code)
	return writeJSON(c, http.StatusCreated, MediaJSON, indicatorChanged{ind, runRefs(c, runs)})
}

func (s *Server) setDimensionWeight(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	var body struct {
		Weight *float64 `json:"weight"`
	}
	if err := decodeJSONBody(c, &body); err != nil {
		return err
	}
	if body.Weight == nil {
		return &data.InvalidInput{Problems: []geo.InputProblem{{Field: "weight", Reason: "the weight is required"}}}
	}
	dim, runs, err := s.store.SetDimensionWeight(c.Request().Context(), actorOf(c), c.Param("code"), *body.Weight)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, struct {
		data.DimensionWeight
		ScoringRuns []runRef `json:"scoring_runs"`
	}{dim, runRefs(c, runs)})
}

func (s *Server) setThresholds(c echo.Context) error {
	name := c.Param("level")
	level, ok := geo.ParseLevel(name)
	if !ok {
		return notFound(fmt.Sprintf("no level %q; levels are provinsi, kabupaten, kecamatan, desa", name))
	}
	if err := onlyParams(c); err != nil {
		return err
	}
	var body struct {
		Sedang *float64 `json:"sedang"`
		Tinggi *float64 `json:"tinggi"`
	}
	if err := decodeJSONBody(c, &body); err != nil {
		return err
	}
	switch {
	case body.Sedang == nil:
		return &data.InvalidInput{Problems: []geo.InputProblem{{Field: "sedang", Reason: "give both sedang and tinggi"}}}
	case body.Tinggi == nil:
		return &data.InvalidInput{Problems: []geo.InputProblem{{Field: "tinggi", Reason: "give both sedang and tinggi"}}}
	}
	t, runs, err := s.store.SetThresholds(c.Request().Context(), actorOf(c), level, *body.Sedang, *body.Tinggi)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, struct {
		data.LevelThresholds
		ScoringRuns []runRef `json:"scoring_runs"`
	}{t, runRefs(c, runs)})
}

func (s *Server) scoringRuns(c echo.Context) error {
	if err := onlyParams(c, ParamLimit, ParamOffset, ParamFormat); err != nil {
		return err
	}
	limit, offset, notice, err := parsePage(c.QueryParams())
	if err != nil {
		return err
	}
	runs, err := s.store.ScoringRuns(c.Request().Context(), limit+1, offset)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, listPage("runs", runs, c, limit, offset, notice))
}

func (s *Server) scoringRun(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound(fmt.Sprintf("no scoring run %q; runs have numeric ids", c.Param("id")))
	}
	run, err := s.store.ScoringRun(c.Request().Context(), id)
	if errors.Is(err, data.ErrNotFound) {
		return notFound(fmt.Sprintf("no scoring run %d", id))
	}
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, run)
}

func (s *Server) queueScoring(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	runs, err := s.store.QueueScoring(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusAccepted, MediaJSON, map[string]any{"scoring_runs": runRefs(c, runs)})
}

func (s *Server) tokens(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	list, err := s.store.Tokens(c.Request().Context())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{"tokens": list})
}

func (s *Server) createToken(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	var spec data.TokenSpec
	if err := decodeJSONBody(c, &spec); err != nil {
		return err
	}
	t, secret, err := s.store.CreateToken(c.Request().Context(), actorOf(c), spec)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, MediaJSON, struct {
		data.Token
		Secret string `json:"secret"`
		Notice string `json:"notice"`
	}{t, secret, "keep the secret now: it is stored only as a hash and will not be shown again"})
}

func (s *Server) revokeToken(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	name := c.Param("name")
	t, err := s.store.RevokeToken(c.Request().Context(), actorOf(c), name)
	if errors.Is(err, data.ErrNotFound) {
		return notFound(fmt.Sprintf("no live token %q: it does not exist or is revoked already", name))
	}
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, t)
}

func (s *Server) auditLog(c echo.Context) error {
	if err := onlyParams(c, ParamLimit, ParamOffset, ParamAction, ParamActor, ParamFormat); err != nil {
		return err
	}
	limit, offset, notice, err := parsePage(c.QueryParams())
	if err != nil {
		return err
	}
	entries, err := s.store.AuditLog(c.Request().Context(), data.AuditQuery{
		Action: c.QueryParam(ParamAction), Actor: c.QueryParam(ParamActor), Limit: limit + 1, Offset: offset})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, listPage("entries", entries, c, limit, offset, notice))
}

// addAdminPaths documents the routes of adminRoutes.
func addAdminPaths(paths object) {
	f := ref(ParamFormat)
	pathParam := func(name, description string) object {
		return object{"name": name, "in": "path", "required": true, "description": description, "schema": object{"type": "string"}}
	}
	code := pathParam("code", "the indicator's code, e.g. insiden_politik_uang")
	page := []any{ref(ParamLimit), ref(ParamOffset)}
	number := object{"type": "number"}
	weight := object{"type": "number", "minimum": 0}
	phaseWeights := object{"type": "object", "additionalProperties": weight,
		"description": "weights that replace weight in the phases they name (phase code -> weight); replaces the whole set"}
	indicatorChange := jsonBody(object{"type": "object", "additionalProperties": false, "minProperties": 1, "properties": object{
		"name": object{"type": "string"}, "description": object{"type": "string"}, "weight": weight, "phase_weights": phaseWeights,
		"ref_min": number, "ref_max": number, "direction": object{"type": "integer", "enum": []int{1, -1}},
	}})
	newIndicator := jsonBody(object{"type": "object", "additionalProperties": false,
		"required": []string{"code", "name", "dimension", "threat", "unit", "value_type", "weight"}, "properties": object{
			"code": object{"type": "string", "pattern": "^[a-z0-9_]{1,64}$"}, "name": object{"type": "string"},
			"description":   object{"type": "string"},
			"dimension":     object{"type": "string", "enum": []string{"social_political", "administration", "contestation", "participation"}},
			"threat":        object{"type": "string", "description": "a code of GET /threats"},
			"unit":          object{"type": "string", "enum": []string{"desa", "tps"}},
			"value_type":    object{"type": "string", "enum": []string{"binary", "count", "rate"}, "description": "TPS indicators are binary"},
			"direction":     object{"type": "integer", "enum": []int{1, -1}, "default": 1},
			"normalization": object{"type": "string", "enum": []string{"none", "per_tps"}, "default": "none"},
			"ref_min":       object{"type": "number", "default": 0}, "ref_max": object{"type": "number", "default": 1},
			"weight": weight, "phase_weights": phaseWeights,
		}})
	changed := func(what, missing string) object {
		return object{"200": object{"description": what + ", with the scoring runs (scoring_runs) queued to rescore every phase with it",
			"content": object{MediaJSON: object{}}}, "404": problemResponse(missing),
			"413": problemResponse("the body is too large"), "415": problemResponse("the body is not JSON")}
	}
	paths["/indicators"] = withOps(
		getOp("The indicator catalogue", "indicators", jsonResponse("every indicator with its dimension, threat, normalisation, weights and incident type"), f),
		writeOp("post", "Add an indicator (not one that counts incidents)", "create_indicator", data.Admin, newIndicator,
			object{"201": object{"description": "the indicator, with the scoring runs (scoring_runs) queued to rescore every phase with it; Location names it",
				"content": object{MediaJSON: object{}}}, "413": problemResponse("the body is too large"), "415": problemResponse("the body is not JSON")}))
	paths["/indicators/{code}"] = withOps(
		getOp("One indicator", "indicator", jsonResponse("the indicator"), code, f),
		writeOp("put", "Change an indicator: any of name, description, weight, phase_weights, ref_min, ref_max, direction", "update_indicator",
			data.Admin, indicatorChange, changed("the indicator", "no such indicator"), code))
	paths["/threats"] = getOp("Threat types", "threats", jsonResponse("the threats indicators measure"), f)
	paths["/incident-types"] = getOp("Incident types", "incident_types", jsonResponse("the types of incident reports, each with its threat and the indicator counting it"), f)
	paths["/dimensions"] = getOp("IKP dimensions", "dimensions", jsonResponse("the four dimensions with their weights in the composite"), f)
	paths["/dimensions/{code}"] = writeOp("put", "Change a dimension's weight in the composite (at least one stays above 0)", "update_dimension", data.Admin,
		jsonBody(object{"type": "object", "additionalProperties": false, "required": []string{"weight"}, "properties": object{"weight": weight}}),
		changed("the dimension", "no such dimension"), pathParam("code", "social_political, administration, contestation or participation"))
	paths["/thresholds"] = getOp("Category thresholds", "thresholds", jsonResponse("the lowest sedang and tinggi scores of each level"), f)
	paths["/thresholds/{level}"] = writeOp("put", "Change the category thresholds of a level: 0 < sedang < tinggi <= 100, two decimals at most", "update_thresholds", data.Admin,
		jsonBody(object{"type": "object", "additionalProperties": false, "required": []string{"sedang", "tinggi"},
			"properties": object{"sedang": object{"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 100},
				"tinggi": object{"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 100}}}),
		changed("the level's thresholds", "no such level"), pathParam("level", "provinsi, kabupaten, kecamatan or desa"))
	paths["/scoring/runs"] = withOps(
		getOp("Scoring runs, newest first", "scoring_runs", jsonResponse("a page of runs; follow the next link for more"), append(page, f)...),
		writeOp("post", "Queue a full rescoring of every phase", "queue_scoring", data.Admin, nil,
			object{"202": object{"description": "the queued runs (scoring_runs); a worker of the server executes them", "content": object{MediaJSON: object{}}}}))
	paths["/scoring/runs/{id}"] = getOp("One scoring run with the model it scored with", "scoring_run", jsonResponse("the run"),
		pathParam("id", "the run's id"), f)
	paths["/tokens"] = withOps(
		adminRead(getOp("API tokens (never their secrets)", "tokens", jsonResponse("every token, revoked ones included"), f)),
		writeOp("post", "Create a token; its secret is shown once", "create_token", data.Admin,
			jsonBody(object{"type": "object", "additionalProperties": false, "required": []string{"name", "role"}, "properties": object{
				"name": object{"type": "string", "pattern": "^[A-Za-z0-9_.@-]{1,64}$"},
				"role": object{"type": "string", "enum": []string{"viewer", "editor", "admin"}},
				"jurisdiction": object{"type": "array", "minItems": 1, "maxItems": geo.MaxJurisdictionCodes, "items": object{"type": "string"},
					"description": "admin codes of any level, desa too, where a viewer or editor token may write (and read, with scoped_reads); none: everywhere"},
				"scoped_reads": object{"type": "boolean", "description": "the token reads only inside its jurisdiction too"}}}),
			object{"201": object{"description": "the token with its secret, which is stored only as a hash and not shown again",
				"content": object{MediaJSON: object{}}}, "413": problemResponse("the body is too large"), "415": problemResponse("the body is not JSON")}))
	paths["/tokens/{name}"] = writeOp("delete", "Revoke a token", "revoke_token", data.Admin, nil,
		object{"200": object{"description": "the revoked token", "content": object{MediaJSON: object{}}},
			"404": problemResponse("no live token of that name")}, pathParam("name", "the token's name"))
	paths["/audit"] = adminRead(getOp("The audit log, newest first", "audit", jsonResponse("a page of entries (who, when, what, before and after); follow the next link for more"),
		append(page, queryParam(ParamAction, "only entries of this action, e.g. indicator.update, token.create", object{"type": "string"}, "", false),
			queryParam(ParamActor, "only entries of this actor (a token name, or cli:USER)", object{"type": "string"}, "", false), f)...))
}

func jsonBody(schema object) object { return object{MediaJSON: object{"schema": schema}} }

// adminRead marks a read operation as needing an admin token, as writeOp does for writes.
func adminRead(op object) object {
	get := op["get"].(object)
	get["summary"] = get["summary"].(string) + " (role " + string(data.Admin) + ")"
	get["security"] = []any{object{"bearer": []any{}}}
	responses := get["responses"].(object)
	responses["401"] = problemResponse("no token, or a token that is unknown or revoked")
	responses["403"] = problemResponse("the token's role is not admin")
	return op
}
