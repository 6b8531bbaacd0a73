package api

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// Parameters of the observation endpoints.
const (
	ParamUnitCode  = "unit_code"
	ParamIndicator = "indicator"
	ParamDryRun    = "dry_run"
)

// Media types of request bodies.
const (
	MediaCSV = "text/csv"
)

func (s *Server) riskRoutes(e *echo.Echo) {
	e.GET("/collections/:collectionId/items/:featureId/explain", s.explain)
	e.GET("/observations", s.observations)
	e.POST("/observations", s.addObservations, require(data.Editor))
}

// explain answers why a unit scores what it scores in a phase.
func (s *Server) explain(c echo.Context) error {
	l, code, err := unitOf(c)
	if err != nil {
		return err
	}
	if err := onlyParams(c, ParamElection, ParamPhase, ParamDatetime); err != nil {
		return err
	}
	election, phase, err := s.resolvePhase(c, phaseSelectionOf(c))
	if err != nil {
		return err
	}
	e, err := s.store.Explain(c.Request().Context(), l, code, election, phase)
	if err != nil {
		return err
	}
	base := baseURL(c.Request()) + "/collections/" + l.String() + "/items/" + strconv.FormatInt(code.ID(), 10)
	query := "?" + url.Values{ParamElection: {election}, ParamPhase: {phase}}.Encode()
	out := struct {
		*data.Explanation
		Demo  bool   `json:"demo"`
		Notes string `json:"notes,omitempty"`
		Links []Link `json:"links"`
	}{Explanation: e, Links: []Link{
		{Href: base + "/explain" + query, Rel: RelSelf, Type: MediaJSON, Title: "this explanation"},
		{Href: base + query, Rel: RelDescribes, Type: MediaGeoJSON, Title: "the feature"},
	}}
	if e.Score != nil && e.Score.Demo {
		out.Demo, out.Notes = true, DemoNotice
	}
	return writeJSON(c, http.StatusOK, MediaJSON, out)
}

// observations lists stored observations, newest first.
func (s *Server) observations(c echo.Context) error {
	if err := onlyParams(c, ParamUnitCode, ParamIndicator, ParamElection, ParamPhase, ParamLimit, ParamOffset); err != nil {
		return err
	}
	q := data.ObservationQuery{Indicator: c.QueryParam(ParamIndicator), Election: c.QueryParam(ParamElection), Phase: c.QueryParam(ParamPhase),
		Within: readScope(c)}
	if v := c.QueryParam(ParamUnitCode); v != "" {
		code, err := geo.ParseCode(v)
		if err != nil {
			return badParameter(ParamUnitCode, err.Error())
		}
		q.UnitCode = string(code)
	}
	var notice string
	var err error
	if q.Limit, q.Offset, notice, err = parsePage(c.QueryParams()); err != nil {
		return err
	}
	matched, list, err := s.store.Observations(c.Request().Context(), q)
	if err != nil {
		return err
	}
	out := map[string]any{
		"observations": list, "numberMatched": matched, "numberReturned": len(list),
		"links": pageLinks(c, MediaJSON, q.Offset, q.Limit, len(list), matched),
	}
	if notice != "" {
		out["notices"] = []string{notice}
	}
	return writeJSON(c, http.StatusOK, MediaJSON, out)
}

// addObservations records a batch of observations: a JSON object or array,
// or a CSV file with the columns of petarawan import observations.
func (s *Server) addObservations(c echo.Context) error {
	if err := onlyParams(c, ParamDryRun); err != nil {
		return err
	}
	dryRun, err := parseBool(c, ParamDryRun)
	if err != nil {
		return err
	}
	batch := data.ObservationBatch{DryRun: dryRun}
	mediaType, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch mediaType {
	case MediaCSV:
		batch.Inputs, batch.ParseProblems, err = geo.ReadObservationsCSV(c.Request().Body)
		if err != nil {
			return badBody(err.Error())
		}
	case MediaJSON:
		if batch.Inputs, err = decodeJSONItems[geo.ObservationInput](c.Request().Body); err != nil {
			return err
		}
	default:
		return unsupportedMedia(mediaType, MediaJSON, MediaCSV)
	}
	report, err := s.store.AddObservations(c.Request().Context(), actorOf(c), batch)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if dryRun {
		status = http.StatusOK
	}
	return writeJSON(c, status, MediaJSON, report)
}

// decodeJSONItems reads one JSON object or an array of them, strictly (decodeStrict).
func decodeJSONItems[T any](body io.Reader) ([]T, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return nil, badBody("the body is empty")
	case raw[0] == '{':
		var one T
		err := decodeStrict(bytes.NewReader(raw), &one)
		return []T{one}, err
	case raw[0] != '[':
		return nil, badBody("the body must be a JSON object or an array of them")
	}
	var items []T
	return items, decodeStrict(bytes.NewReader(raw), &items)
}

// badBody is a 400 for a request body that cannot be read at all.
func badBody(detail string) *Problem {
	return &Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest, Detail: detail}
}

func unsupportedMedia(got string, accepted ...string) *Problem {
	return &Problem{Type: "about:blank", Title: "Unsupported Media Type", Status: http.StatusUnsupportedMediaType,
		Detail: fmt.Sprintf("Content-Type %q is not accepted here; send one of %v", got, accepted)}
}

// parseBool reads an optional true/false parameter.
func parseBool(c echo.Context, name string) (bool, error) {
	if !c.QueryParams().Has(name) {
		return false, nil
	}
	v := c.QueryParam(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badParameter(name, fmt.Sprintf("%q is not true or false", v))
	}
	return b, nil
}

func addRiskPaths(paths object) {
	paths["/collections/{collectionId}/items/{featureId}/explain"] = getOp("Why a unit scores what it scores", "explain",
		jsonResponse("the score with its dimensions, threats, indicators, the observations and incidents behind them (desa), the component units (upper levels) and the history across phases"),
		object{"name": "collectionId", "in": "path", "required": true, "schema": object{"type": "string", "enum": []string{"provinsi", "kabupaten", "kecamatan", "desa"}}},
		object{"name": "featureId", "in": "path", "required": true, "description": "the Kemendagri code with or without dots", "schema": object{"type": "string"}},
		ref(ParamElection), ref(ParamPhase), ref(ParamDatetime))
	paths["/observations"] = withOps(
		getOp("Recorded observations, newest first", "observations", jsonResponse("a page of observations"),
			queryParam(ParamUnitCode, "only those of this desa", object{"type": "string"}, "", false),
			queryParam(ParamIndicator, "only those of this indicator", object{"type": "string"}, "", false),
			ref(ParamElection), ref(ParamPhase), ref(ParamLimit), ref(ParamOffset)),
		writeOp("post", "Record observations and rescore the desa they concern", "add_observations", data.Editor,
			object{
				MediaJSON: object{"schema": object{"oneOf": []any{observationSchema, object{"type": "array", "items": observationSchema}}}},
				MediaCSV:  object{"schema": object{"type": "string"}},
			},
			object{"201": object{"description": "recorded; the rescored desa with their scores before and after", "content": object{MediaJSON: object{}}},
				"200": object{"description": "dry run: what would have been recorded and rescored; nothing was written", "content": object{MediaJSON: object{}}}},
			queryParam(ParamDryRun, "check and score, then roll back", object{"type": "boolean"}, "", false)))
}

var observationSchema = object{"type": "object", "additionalProperties": false,
	"required": []string{"indicator", "unit_code", "election", "phase", "value", "source", "observed_at"},
	"properties": object{
		"indicator":   object{"type": "string", "description": "indicator code (GET /indicators)"},
		"unit_code":   object{"type": "string", "description": "desa/kelurahan code, e.g. 36.01.01.2001"},
		"tps":         object{"type": "integer", "minimum": 1, "description": "TPS number, for TPS indicators only"},
		"election":    object{"type": "string"},
		"phase":       object{"type": "string"},
		"value":       object{"type": "number", "minimum": 0},
		"source":      object{"type": "string", "enum": geo.Sources},
		"observed_at": object{"type": "string", "format": "date-time"},
		"note":        object{"type": "string", "maxLength": geo.MaxNoteLength},
	}}
