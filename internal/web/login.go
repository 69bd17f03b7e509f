package web

import (
	"errors"
	"net/http"

	"github.com/statusphere/statusphere/internal/oauth"
)

// loginCookieName holds the PAR request URI of the login this browser
// started, checked at the callback.
const loginCookieName = "statusphere_login"

// loginPage serves GET /login: the login form, the handle box filled from
// ?handle= when given. It starts nothing: a login starts only from a
// same-origin POST, so a link cannot make the app call out or store a row.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkUTF8(q); err != nil {
		s.inputFailed(w, r, err)
		return
	}
	s.renderHome(w, r, http.StatusOK, homePage{Handle: q.Get("handle")})
}

// login serves POST /login from the login form (cross-origin posts are
// refused by [http.CrossOriginProtection] before they get here). Login
// starts are rate-limited and bounded in number, in all and per address.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.inputFailed(w, r, err)
		return
	}
	identifier := r.PostForm.Get("handle")
	s.startAuth(w, r, homePage{Handle: identifier}, func() (string, error) {
		return s.Auth.StartLogin(r.Context(), identifier)
	})
}

// signup serves POST /signup from the "Create an account" form: a login
// that asks the PDS named in the form for its sign-up page (OAuth
// prompt=create). It is limited and bounded as logins are.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	if err := readForm(r); err != nil {
		s.inputFailed(w, r, err)
		return
	}
	pds := r.PostForm.Get("pds")
	s.startAuth(w, r, homePage{SignupPDS: pds}, func() (string, error) {
		return s.Auth.StartSignup(r.Context(), pds)
	})
}

// startAuth runs start, a login or sign-up start, under the login limits,
// and sends the browser to the authorization server it returns, or back to
// the page (page, with the error) with a readable error.
func (s *Server) startAuth(w http.ResponseWriter, r *http.Request, page homePage, start func() (string, error)) {
	addr := s.clientAddr(r)
	release, ok := s.loginGate.acquire(addr)
	if !ok || !s.logins.allow(addr) {
		if ok {
			release()
		}
		s.Log.Info("login start refused: too many", "addr", addr)
		page.Error = "Too many sign-in attempts. Please wait a minute and try again."
		s.renderHome(w, r, http.StatusTooManyRequests, page)
		return
	}
	defer release()
	redirect, err := start()
	if err != nil {
		s.loginFailed(w, r, err, page)
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
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, err error, page homePage) {
	page.Error = "Sign-in failed. Please try again."
	var le *oauth.LoginError
	if errors.As(err, &le) {
		page.Error = le.Msg
	}
	s.Log.Info("login failed", "identifier", page.Handle, "signup_pds", page.SignupPDS, "error", err)
	s.renderHome(w, r, http.StatusBadRequest, page)
}
