package app

import (
	"runtime"
	"runtime/debug"
)

// BuildInfo is what the binary knows about how it was built.
type BuildInfo struct {
	Version   string // module version, e.g. v1.2.0 or a pseudo-version; "(devel)" when unknown
	Commit    string // VCS revision, with "+dirty" for a modified tree; "unknown" when not recorded
	GoVersion string // Go toolchain, e.g. go1.25.1
}

// ReadBuildInfo returns the binary's build information, from
// runtime/debug.ReadBuildInfo.
func ReadBuildInfo() BuildInfo {
	bi := BuildInfo{Version: "(devel)", Commit: "unknown", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return bi
	}
	if info.Main.Version != "" {
		bi.Version = info.Main.Version
	}
	if info.GoVersion != "" {
		bi.GoVersion = info.GoVersion
	}
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			bi.Commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && bi.Commit != "unknown" {
		bi.Commit += "+dirty"
	}
	return bi
}
