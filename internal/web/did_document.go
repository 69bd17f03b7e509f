package web

import (
	"net/http"
)

// didDocument is the app's did:web document: its service DID and one
// service, the app view, at its public URL.
type didDocument struct {
	Context []string     `json:"@context"`
	ID      string       `json:"id"`
	Service []didService `json:"service"`
}

type didService struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	ServiceEndpoint string `json:"serviceEndpoint"`
}

// didDocument serves GET /.well-known/did.json: the document of the app's
// did:web, naming its #statusphere_appview service, so that PDSes and
// clients can address the app's XRPC methods. Without a public URL there
// is no did:web to describe: 404.
func (s *Server) didDocument(w http.ResponseWriter, r *http.Request) {
	if s.PublicURL == "" || s.ServiceDID == "" {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, didDocument{
		Context: []string{"https://www.w3.org/ns/did/v1"},
		ID:      s.ServiceDID,
		Service: []didService{{ID: "#" + appViewServiceID, Type: "StatusphereAppView", ServiceEndpoint: s.PublicURL}},
	})
}
