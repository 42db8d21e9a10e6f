package auth

import (
	"slices"
	"sort"
)

// Role names a permission set. Every user has exactly one.
type Role string

// The built-in roles.
const (
	RoleAdmin     Role = "admin"
	RoleManager   Role = "manager"
	RoleSales     Role = "sales"
	RoleMarketing Role = "marketing"
	RoleService   Role = "service"
	RoleLoyalty   Role = "loyalty"
	RoleReadOnly  Role = "readonly"
)

// Roles lists the built-in roles from the broadest to the narrowest.
var Roles = []Role{RoleAdmin, RoleManager, RoleSales, RoleMarketing, RoleService, RoleLoyalty, RoleReadOnly}

// Permission is one action on one kind of record ("customer.update").
type Permission string

// The permissions SCRMS checks.
const (
	CustomerRead   Permission = "customer.read"
	CustomerCreate Permission = "customer.create"
	CustomerUpdate Permission = "customer.update"
	CustomerDelete Permission = "customer.delete"
	// CustomerAssign allows changing a customer's owner and team; nobody else
	// may set those fields, whatever a request body says.
	CustomerAssign Permission = "customer.assign"
	CustomerExport Permission = "customer.export"
	// CustomerPII allows reading contact points and addresses; without it they
	// are masked everywhere, including search, exports and the timeline.
	CustomerPII Permission = "customer.pii"
	// CustomerMerge allows running duplicate scans, reviewing the duplicate
	// queue and the data-quality issues, and merging or unmerging customers.
	CustomerMerge Permission = "customer.merge"
	// SalesRead allows seeing pipelines and opportunities; SalesWrite
	// creating, changing and moving them; SalesAdmin setting up pipelines.
	SalesRead  Permission = "sales.read"
	SalesWrite Permission = "sales.write"
	SalesAdmin Permission = "sales.admin"
	// CaseRead allows seeing service cases; CaseWrite working them (replies,
	// notes, status); ServiceAdmin setting up queues, SLA policies, the
	// knowledge base and surveys.
	CaseRead     Permission = "case.read"
	CaseWrite    Permission = "case.write"
	ServiceAdmin Permission = "service.admin"
	// MarketingRead allows seeing segments, templates, campaigns and their
	// results; MarketingWrite building them and sending campaigns.
	MarketingRead  Permission = "marketing.read"
	MarketingWrite Permission = "marketing.write"
	UserManage     Permission = "user.manage"
	// LoyaltyRead sees members, balances and the ledger; LoyaltyWrite
	// enrols members and spends their points on rewards; LoyaltyAdmin runs
	// programs, tiers, rules and rewards and adjusts balances.
	LoyaltyRead  Permission = "loyalty.read"
	LoyaltyWrite Permission = "loyalty.write"
	LoyaltyAdmin Permission = "loyalty.admin"
	AuditRead    Permission = "audit.read"
)

// Scope says which records of a kind a role may see: only its own, its team's,
// or all of them.
type Scope int

// The record visibility scopes, from the narrowest.
const (
	ScopeOwn Scope = iota
	ScopeTeam
	ScopeAll
)

func (s Scope) String() string {
	switch s {
	case ScopeOwn:
		return "own"
	case ScopeTeam:
		return "team"
	default:
		return "all"
	}
}

type roleSpec struct {
	label       string
	description string
	scope       Scope
	perms       []Permission
}

var customerWriter = []Permission{CustomerRead, CustomerCreate, CustomerUpdate, CustomerExport, CustomerPII}

var roleSpecs = map[Role]roleSpec{
	RoleAdmin: {"Administrator", "Everything, including users, roles and the audit log.", ScopeAll,
		[]Permission{CustomerRead, CustomerCreate, CustomerUpdate, CustomerDelete, CustomerAssign,
			CustomerExport, CustomerPII, CustomerMerge, SalesRead, SalesWrite, SalesAdmin, CaseRead, CaseWrite, ServiceAdmin,
			MarketingRead, MarketingWrite, LoyaltyRead, LoyaltyWrite, LoyaltyAdmin, UserManage, AuditRead}},
	RoleManager: {"Manager", "All customers, including deleting, restoring and reassigning them.", ScopeAll,
		[]Permission{CustomerRead, CustomerCreate, CustomerUpdate, CustomerDelete, CustomerAssign,
			CustomerExport, CustomerPII, CustomerMerge, SalesRead, SalesWrite, SalesAdmin, CaseRead, CaseWrite, ServiceAdmin,
			MarketingRead, MarketingWrite, LoyaltyRead, LoyaltyWrite, LoyaltyAdmin}},
	RoleSales: {"Sales representative", "Customers and deals owned by the user's team or by the user.", ScopeTeam,
		append(slices.Clone(customerWriter), SalesRead, SalesWrite, CaseRead, MarketingRead, LoyaltyRead, LoyaltyWrite)},
	RoleMarketing: {"Marketer", "All customers, for segments and campaigns.", ScopeAll,
		append(slices.Clone(customerWriter), MarketingRead, MarketingWrite, LoyaltyRead)},
	RoleService: {"Service agent", "All customers and their cases, to help them.", ScopeAll,
		append(slices.Clone(customerWriter), CaseRead, CaseWrite, LoyaltyRead, LoyaltyWrite)},
	RoleLoyalty: {"Loyalty manager", "All customers, to run loyalty programs.", ScopeAll,
		[]Permission{CustomerRead, CustomerUpdate, CustomerPII, MarketingRead, LoyaltyRead, LoyaltyWrite, LoyaltyAdmin}},
	RoleReadOnly: {"Read-only", "Reads customers without their contact details, and deals; changes nothing.", ScopeAll,
		[]Permission{CustomerRead, SalesRead, CaseRead, MarketingRead, LoyaltyRead}},
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	_, ok := roleSpecs[r]
	return ok
}

// Label is the role's name for people.
func (r Role) Label() string { return roleSpecs[r].label }

// Description says in a sentence what the role may do.
func (r Role) Description() string { return roleSpecs[r].description }

// Has reports whether the role grants the permission.
func (r Role) Has(p Permission) bool { return slices.Contains(roleSpecs[r].perms, p) }

// Scope is the role's record visibility.
func (r Role) Scope() Scope { return roleSpecs[r].scope }

// Permissions lists the role's permissions, sorted.
func (r Role) Permissions() []Permission {
	ps := slices.Clone(roleSpecs[r].perms)
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}
