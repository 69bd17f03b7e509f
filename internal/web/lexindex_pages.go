package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/lexindex"
)

// lexIndexRoutes mounts the lexicon aggregator's pages and XRPC methods.
func (s *Server) lexIndexRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /lexicons/{nsid}", s.lexiconSchema)
	mux.HandleFunc("POST /lexicons/{nsid}", s.lexiconSchema) // the validate box
	mux.HandleFunc("GET /lexicons/{nsid}/diff", s.lexiconDiff)
	mux.HandleFunc("GET /xrpc/com.atproto.lexicon.resolveLexicon", s.resolveLexicon)
	mux.HandleFunc("POST /xrpc/org.gostatusphere.validateRecord", s.validateRecord)
}

// lexIndexPatterns are the patterns lexIndexRoutes registers (for the
// metrics, which resolve every route's up front).
var lexIndexPatterns = []string{"GET /lexicons/{nsid}", "POST /lexicons/{nsid}", "GET /lexicons/{nsid}/diff",
	"GET /xrpc/com.atproto.lexicon.resolveLexicon", "POST /xrpc/org.gostatusphere.validateRecord"}

// lexIndexPage is the data of templates/lexindex.html.
type lexIndexPage struct {
	*lexindex.Overview
	Apps []schemaView // the app's own schemas
}

// lexiconIndex serves GET /lexicons with the aggregator: counts,
// authorities, recent and invalid records, search by NSID or prefix
// (?q=) and browsing by authority (?authority=), and the app's schemas.
func (s *Server) lexiconIndex(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	o, err := s.LexIndex.Overview(r.Context(), q, r.URL.Query().Get("authority"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	page := lexIndexPage{Overview: o}
	for _, d := range s.Lexicons.Docs() {
		sv, err := newSchemaView(d)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		page.Apps = append(page.Apps, sv)
	}
	s.render(w, r, http.StatusOK, "lexindex", page)
}

// lexSchemaPage is the data of templates/lexschema.html.
type lexSchemaPage struct {
	NSID    string
	Page    *lexindex.SchemaPage // nil for an app schema not indexed
	Verdict string               // of the shown copy
	Doc     *schemaView          // the current version documented
	Extras  map[string][]string  // per def: parameters, input, output, errors, …
	Record  string               // the pasted record
	Checked *ValidationVerdict   // the validate box's verdict
	Problem string               // why the record could not be validated
}

// lexiconSchema serves GET /lexicons/{nsid} (?uri= picks a copy) and the
// validate box's POST (form field record).
func (s *Server) lexiconSchema(w http.ResponseWriter, r *http.Request) {
	nsid, err := syntax.ParseNSID(r.PathValue("nsid"))
	if err != nil {
		http.Error(w, "not an NSID", http.StatusNotFound)
		return
	}
	data := lexSchemaPage{NSID: nsid.String()}
	page, err := s.LexIndex.Schema(r.Context(), nsid, syntax.ATURI(r.URL.Query().Get("uri")))
	var doc lexicon.Doc
	switch {
	case err == nil:
		data.Page, data.Verdict = page, lexindex.Verdict(page.Shown)
		doc = lexicon.Doc{NSID: nsid, JSON: page.Current.Schema}
	case errors.Is(err, lexindex.ErrNotFound):
		app, ok := s.appDoc(nsid)
		if !ok {
			http.Error(w, "no schema with this NSID is indexed", http.StatusNotFound)
			return
		}
		doc = app
	default:
		s.serverError(w, r, err)
		return
	}
	if len(doc.JSON) > 0 && (data.Page == nil || data.Page.Current.Invalid == "") {
		if sv, err := newSchemaView(doc); err == nil {
			data.Doc, data.Extras = &sv, defExtras(doc.JSON)
		}
	}
	if r.Method == http.MethodPost {
		s.checkPasted(r, nsid, &data)
	}
	s.render(w, r, http.StatusOK, "lexschema", data)
}

// checkPasted validates the validate box's record: pasted JSON, or the
// record at a pasted AT-URI (fetched from its PDS), against nsid.
func (s *Server) checkPasted(r *http.Request, nsid syntax.NSID, data *lexSchemaPage) {
	data.Record = r.PostFormValue("record")
	record := []byte(data.Record)
	if pasted := strings.TrimSpace(data.Record); strings.HasPrefix(pasted, "at://") {
		uri, err := syntax.ParseATURI(pasted)
		if err == nil {
			record, err = s.LexIndex.FetchRecord(r.Context(), uri)
		}
		if err != nil {
			data.Problem = "Could not fetch " + pasted + ": " + err.Error()
			return
		}
	}
	v, err := s.verdict(r.Context(), nsid, record)
	switch {
	case errors.Is(err, lexindex.ErrNotFound):
		data.Problem = "No authoritative schema is indexed for " + nsid.String() + ": records cannot be validated against it."
	case err != nil:
		data.Problem = err.Error()
	default:
		data.Checked = &v
	}
}

// appDoc returns the app's own schema nsid.
func (s *Server) appDoc(nsid syntax.NSID) (lexicon.Doc, bool) {
	for _, d := range s.Lexicons.Docs() {
		if d.NSID == nsid {
			return d, true
		}
	}
	return lexicon.Doc{}, false
}

// lexDiffPage is the data of templates/lexdiff.html.
type lexDiffPage struct {
	NSID string
	*lexindex.Diff
}

// lexiconDiff serves GET /lexicons/{nsid}/diff?uri=&from=&to=: the diff
// between two versions of a record and the breaking-change verdict.
func (s *Server) lexiconDiff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err1 := strconv.ParseInt(q.Get("from"), 10, 64)
	to, err2 := strconv.ParseInt(q.Get("to"), 10, 64)
	uri, err3 := syntax.ParseATURI(q.Get("uri"))
	if err1 != nil || err2 != nil || err3 != nil || uri.RecordKey().String() != r.PathValue("nsid") {
		http.Error(w, "the diff needs uri, from and to", http.StatusBadRequest)
		return
	}
	d, err := s.LexIndex.Diff(r.Context(), uri, from, to)
	if errors.Is(err, lexindex.ErrNotFound) {
		http.Error(w, "no such versions", http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "lexdiff", lexDiffPage{NSID: r.PathValue("nsid"), Diff: d})
}
