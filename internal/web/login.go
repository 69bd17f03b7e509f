package web

import (
	"errors"
	"net/http"

	"github.com/statusphere/statusphere/internal/oauth"
)

// loginCookieName holds the PAR request URI of the login this browser
// started, checked at the callback.
const loginCookieName = "statusphere_login"

// loginPage serves GET /login: with ?handle= it starts the login (so a
// link can log in), else it shows the home page's login form.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if h := r.URL.Query().Get("handle"); h != "" {
		s.startLogin(w, r, h)
		return
	}
	s.renderHome(w, r, http.StatusOK, homePage{})
}

// login serves POST /login from the login form.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderHome(w, r, http.StatusBadRequest, homePage{Error: "Could not read the login form."})
		return
	}
	s.startLogin(w, r, r.PostForm.Get("handle"))
}

// startLogin sends the browser to the user's authorization server, or back
// to the page with a readable error.
func (s *Server) startLogin(w http.ResponseWriter, r *http.Request, identifier string) {
	redirect, err := s.Auth.StartLogin(r.Context(), identifier)
	if err != nil {
		s.loginFailed(w, r, err, identifier)
		return
	}
	// Bind the login to this browser: the callback must come back here.
	http.SetCookie(w, &http.Cookie{
		Name:     loginCookieName,
		Value:    oauth.RequestURI(redirect),
		Path:     "/oauth/callback",
		MaxAge:   int(oauth.AuthRequestTTL.Seconds()),
		HttpOnly: true,
		Secure:   s.Secure,
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, redirect, http.StatusSeeOther)
}

// loginFailed shows the home page with what went wrong; never a 500.
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, err error, identifier string) {
	msg := "Sign-in failed. Please try again."
	var le *oauth.LoginError
	if errors.As(err, &le) {
		msg = le.Msg
	}
	s.Log.Info("login failed", "identifier", identifier, "error", err)
	s.renderHome(w, r, http.StatusBadRequest, homePage{Error: msg, Handle: identifier})
}
