package domain

// Role is what a signed-in user is, as the identity provider's claims say.
type Role string

// The roles of docs/rules.md "Who uses it".
const (
	RoleSuapOperator  Role = "suap_operator"
	RoleBasinOperator Role = "basin_operator"
	RoleManager       Role = "manager"
	RoleAdmin         Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleSuapOperator, RoleBasinOperator, RoleManager, RoleAdmin:
		return true
	}
	return false
}

// Label is the Italian description used in the history's "Ruolo / Struttura".
func (r Role) Label() string {
	switch r {
	case RoleSuapOperator:
		return "Utente Ufficio Suap"
	case RoleBasinOperator:
		return "Utente Bacino"
	case RoleManager:
		return "Gestore servizio videoconferenza"
	case RoleAdmin:
		return "Amministratore regionale"
	case RoleSystem:
		return "Procedura automatica"
	}
	return string(r)
}

// Principal is who is acting. It comes from the authorizer's claims (or from a
// verified signed link for a manager without an account), never from input.
type Principal struct {
	UserID string
	Name   string
	Role   Role
	// OfficeID is the SUAP office of a suap_operator.
	OfficeID string
	// BasinID is the basin of a basin_operator.
	BasinID string
	// Unit is the office's or basin's display name, for the history.
	Unit string
}

// SUAPSide reports whether p works for a SUAP office or basin (as opposed to
// the regional service); only they read the reason for not convening a CDS.
func (p Principal) SUAPSide() bool {
	return p.Role == RoleSuapOperator || p.Role == RoleBasinOperator
}

// CanActOn reports whether p may see and act on the pratiche of the office
// officeID belonging to basin basinID.
func (p Principal) CanActOn(officeID, basinID string) bool {
	switch p.Role {
	case RoleSuapOperator:
		return p.OfficeID != "" && p.OfficeID == officeID
	case RoleBasinOperator:
		return p.BasinID != "" && p.BasinID == basinID
	}
	return false
}

// CanSeeRequest reports whether p may read the booking request r.
func (p Principal) CanSeeRequest(r *Request) bool {
	if p.Role == RoleManager {
		return true
	}
	return p.CanActOn(r.OfficeID, r.BasinID)
}

// RoleUnit is the "Ruolo / Struttura" column of the history.
func (p Principal) RoleUnit() string {
	if p.Unit == "" {
		return p.Role.Label()
	}
	return p.Role.Label() + " " + p.Unit
}
