package api

import (
	"net/http"
	"regexp"
	"strings"
)

// Link is a link of an OGC API response.
type Link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// Link relations and media types.
const (
	RelSelf        = "self"
	RelAlternate   = "alternate"
	RelServiceDesc = "service-desc"
	RelConformance = "conformance"
	RelData        = "data"
	RelItems       = "items"
	RelCollection  = "collection"
	RelNext        = "next"
	RelPrev        = "prev"
	RelDescribedBy = "describedby"
	RelDescribes   = "describes"
	// RelTilesetsVector links a collection to its vector tilesets (OGC API - Tiles).
	RelTilesetsVector = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"

	MediaJSON    = "application/json"
	MediaGeoJSON = "application/geo+json"
	MediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	MediaHTML    = "text/html"
)

var (
	hostPattern   = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]+)?$|^\[[0-9A-Fa-f:.]+\](:[0-9]+)?$`)
	prefixPattern = regexp.MustCompile(`^(/[A-Za-z0-9._~\-]+)*$`)
)

// baseURL is the public URL of the API root as the client sees it, behind a
// proxy too: from the Forwarded header (RFC 7239), else X-Forwarded-Proto /
// -Host / -Prefix, else the request itself. Values that are not a plain
// scheme, host or path are ignored.
func baseURL(r *http.Request) string {
	proto, host := "http", r.Host
	if r.TLS != nil {
		proto = "https"
	}
	if fwd := r.Header.Get("Forwarded"); fwd != "" {
		first, _, _ := strings.Cut(fwd, ",")
		for _, pair := range strings.Split(first, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
			v = strings.Trim(v, `"`)
			switch strings.ToLower(k) {
			case "proto":
				proto = pickProto(v, proto)
			case "host":
				host = pickHost(v, host)
			}
		}
	} else {
		if v := r.Header.Get("X-Forwarded-Proto"); v != "" {
			proto = pickProto(strings.TrimSpace(strings.Split(v, ",")[0]), proto)
		}
		if v := r.Header.Get("X-Forwarded-Host"); v != "" {
			host = pickHost(strings.TrimSpace(strings.Split(v, ",")[0]), host)
		}
	}
	prefix := strings.TrimRight(r.Header.Get("X-Forwarded-Prefix"), "/")
	if !prefixPattern.MatchString(prefix) {
		prefix = ""
	}
	return proto + "://" + host + prefix
}

func pickProto(v, fallback string) string {
	if v = strings.ToLower(v); v == "http" || v == "https" {
		return v
	}
	return fallback
}

func pickHost(v, fallback string) string {
	if hostPattern.MatchString(v) {
		return v
	}
	return fallback
}
