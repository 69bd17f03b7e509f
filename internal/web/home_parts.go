package web

import (
	"fmt"
	"html/template"
)

// homeParts are the pieces of the home page rendered once from the
// templates, so that a view only writes byte slices one after the other:
// the layout around the content, the login card, and the status options
// in every state. The timeline block comes from the live hub's window
// (rendered once per version), the logged-in card from the profile cache
// (once per display name).
type homeParts struct {
	top, bottom []byte       // the layout before and after the content
	behind      []byte       // the notice that the timeline may be behind
	loginCard   []byte       // the card of a visitor: the login and sign-up forms
	optionsOut  []byte       // the options, disabled (logged out)
	empty       []byte       // the timeline's content when there is no status
	friendCard  profileCards // the cards of a user whose name is unknown
	// in are the logged-in options of a session that may write notes (with
	// the note field) and of one that may not.
	in, inNoNotes loggedInOptions
}

// loggedInOptions are the status options of a logged-in user: none
// selected, and one selected, by status.
type loggedInOptions struct {
	none     []byte
	selected map[string][]byte
}

// profileCards are the cards that greet a logged-in user by name: with
// and without the line saying their grant does not cover notes.
type profileCards struct {
	notes, noNotes []byte
}

// homeParts renders the parts of the home page; the sign-up form offers
// signupPDS.
func (v *views) homeParts(signupPDS string) (*homeParts, error) {
	var (
		p   = &homeParts{}
		err error
	)
	part := func(name string, data homePage) []byte {
		var b []byte
		if err == nil {
			b, err = v.executePart("home", name, data)
		}
		return b
	}
	user := &userView{}
	p.top = part("top", homePage{})
	p.bottom = part("bottom", homePage{})
	p.behind = part("behind", homePage{})
	p.loginCard = part("card", homePage{SignupPDS: signupPDS})
	p.optionsOut = part("options", homePage{Options: statusOptions})
	p.empty = part("timeline-empty", homePage{})
	if err == nil {
		p.friendCard, err = v.userCards(orFriend(""))
	}
	for _, in := range []struct {
		opts  *loggedInOptions
		notes bool
	}{{&p.in, true}, {&p.inNoNotes, false}} {
		in.opts.none = part("options", homePage{User: user, Options: statusOptions, NotesAllowed: in.notes})
		in.opts.selected = map[string][]byte{}
		for _, o := range statusOptions {
			in.opts.selected[o] = part("options", homePage{User: user, Options: statusOptions, Mine: o, NotesAllowed: in.notes})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("home page parts: %w", err)
	}
	return p, nil
}

// options returns the options of a logged-in user whose status is mine,
// with the note field if notes is set.
func (p *homeParts) options(mine string, notes bool) []byte {
	in := &p.inNoNotes
	if notes {
		in = &p.in
	}
	if b, ok := in.selected[mine]; ok {
		return b
	}
	return in.none
}

// notice returns the notice that goes before the card: the "behind" one
// if behind, else none.
func (p *homeParts) notice(behind bool) []byte {
	if behind {
		return p.behind
	}
	return nil
}

// userCards renders the cards that greet a logged-in user by name.
func (v *views) userCards(name string) (profileCards, error) {
	user := &userView{DisplayName: name}
	notes, err := v.executePart("home", "card", homePage{User: user, NotesAllowed: true})
	if err != nil {
		return profileCards{}, err
	}
	noNotes, err := v.executePart("home", "card", homePage{User: user, NotesUnavailable: msgNotesUnavailable})
	if err != nil {
		return profileCards{}, err
	}
	return profileCards{notes: notes, noNotes: noNotes}, nil
}

// timelineBlock renders the timeline block around lines, the rendered
// status lines or [homeParts.empty], after the "top today" strip.
func (v *views) timelineBlock(lines []byte, top []topStatus) ([]byte, error) {
	return v.executePart("home", "timeline", homePage{Timeline: template.HTML(lines), Top: top})
}

// statusLine renders one line of the timeline.
func (v *views) statusLine(sv statusView) ([]byte, error) {
	return v.executePart("home", "status-line", sv)
}
