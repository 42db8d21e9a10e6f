-- name: InsertCustomer :one
INSERT INTO customers (kind, first_name, last_name, org_name, display_name, sort_name, lifecycle_stage,
    status, owner_id, team_id, external_id, search_names, search_contacts, created_by, created_at, updated_at,
    birth_date, language, time_zone, preferred_channel, quiet_hours, referral_source, website, industry,
    preferred_categories, preferred_brands, contact_times)
VALUES (sqlc.arg(kind), sqlc.arg(first_name), sqlc.arg(last_name), sqlc.arg(org_name), sqlc.arg(display_name),
    sqlc.arg(sort_name), sqlc.arg(lifecycle_stage), sqlc.arg(status), sqlc.narg(owner_id), sqlc.narg(team_id),
    sqlc.narg(external_id), sqlc.arg(search_names), sqlc.arg(search_contacts), sqlc.narg(created_by), sqlc.arg(created_at), sqlc.arg(created_at),
    sqlc.arg(birth_date), sqlc.arg(language), sqlc.arg(time_zone), sqlc.arg(preferred_channel), sqlc.arg(quiet_hours),
    sqlc.arg(referral_source), sqlc.arg(website), sqlc.arg(industry), sqlc.arg(preferred_categories),
    sqlc.arg(preferred_brands), sqlc.arg(contact_times))
RETURNING id;

-- name: FindCustomer :one
SELECT id, kind, first_name, last_name, org_name, display_name, sort_name, lifecycle_stage, status,
    owner_id, team_id, external_id, search_names, search_contacts, created_by, created_at, updated_at, deleted_at,
    birth_date, language, time_zone, preferred_channel, quiet_hours, referral_source, website, industry, merged_into, erased_at,
    preferred_categories, preferred_brands, contact_times
FROM customers WHERE id = sqlc.arg(id);

-- name: FindCustomerIDByExternalID :one
SELECT id FROM customers WHERE external_id = sqlc.arg(external_id);

-- name: UpdateCustomer :exec
UPDATE customers SET kind = sqlc.arg(kind), first_name = sqlc.arg(first_name), last_name = sqlc.arg(last_name),
    org_name = sqlc.arg(org_name), display_name = sqlc.arg(display_name), sort_name = sqlc.arg(sort_name),
    lifecycle_stage = sqlc.arg(lifecycle_stage), status = sqlc.arg(status), owner_id = sqlc.narg(owner_id),
    team_id = sqlc.narg(team_id), external_id = sqlc.narg(external_id), search_names = sqlc.arg(search_names),
    search_contacts = sqlc.arg(search_contacts),
    birth_date = sqlc.arg(birth_date), language = sqlc.arg(language), time_zone = sqlc.arg(time_zone),
    preferred_channel = sqlc.arg(preferred_channel), quiet_hours = sqlc.arg(quiet_hours),
    referral_source = sqlc.arg(referral_source), website = sqlc.arg(website), industry = sqlc.arg(industry),
    preferred_categories = sqlc.arg(preferred_categories), preferred_brands = sqlc.arg(preferred_brands),
    contact_times = sqlc.arg(contact_times), updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id);

-- name: SetCustomerDeleted :exec
UPDATE customers SET deleted_at = sqlc.narg(deleted_at), updated_at = sqlc.arg(updated_at) WHERE id = sqlc.arg(id);

-- name: ListContactPoints :many
SELECT id, customer_id, kind, value, label, is_primary, position
FROM contact_points WHERE customer_id = sqlc.arg(customer_id) ORDER BY kind, position;

-- name: DeleteContactPoints :exec
DELETE FROM contact_points WHERE customer_id = sqlc.arg(customer_id);

-- name: InsertContactPoint :exec
INSERT INTO contact_points (customer_id, kind, value, label, is_primary, position)
VALUES (sqlc.arg(customer_id), sqlc.arg(kind), sqlc.arg(value), sqlc.arg(label), sqlc.arg(is_primary), sqlc.arg(position));

-- name: ListAddresses :many
SELECT id, customer_id, label, line1, line2, city, region, postal_code, country, is_primary, position
FROM customer_addresses WHERE customer_id = sqlc.arg(customer_id) ORDER BY position;

-- name: DeleteAddresses :exec
DELETE FROM customer_addresses WHERE customer_id = sqlc.arg(customer_id);

-- name: InsertAddress :exec
INSERT INTO customer_addresses (customer_id, label, line1, line2, city, region, postal_code, country, is_primary, position)
VALUES (sqlc.arg(customer_id), sqlc.arg(label), sqlc.arg(line1), sqlc.arg(line2), sqlc.arg(city), sqlc.arg(region),
    sqlc.arg(postal_code), sqlc.arg(country), sqlc.arg(is_primary), sqlc.arg(position));

-- name: ListCustomerTags :many
SELECT tag FROM customer_tags WHERE customer_id = sqlc.arg(customer_id) ORDER BY tag;

-- name: DeleteCustomerTags :exec
DELETE FROM customer_tags WHERE customer_id = sqlc.arg(customer_id);

-- name: InsertCustomerTag :exec
INSERT INTO customer_tags (customer_id, tag) VALUES (sqlc.arg(customer_id), sqlc.arg(tag));

-- name: InsertNote :one
INSERT INTO customer_notes (customer_id, author_id, body, pinned, created_at, updated_at)
VALUES (sqlc.arg(customer_id), sqlc.narg(author_id), sqlc.arg(body), sqlc.arg(pinned), sqlc.arg(created_at), sqlc.arg(created_at))
RETURNING id;

-- name: FindNote :one
SELECT n.id, n.customer_id, n.author_id, COALESCE(u.name, '') AS author_name, n.body, n.pinned, n.created_at, n.updated_at
FROM customer_notes n LEFT JOIN users u ON u.id = n.author_id
WHERE n.id = sqlc.arg(id);

-- name: ListNotes :many
SELECT n.id, n.customer_id, n.author_id, COALESCE(u.name, '') AS author_name, n.body, n.pinned, n.created_at, n.updated_at
FROM customer_notes n LEFT JOIN users u ON u.id = n.author_id
WHERE n.customer_id = sqlc.arg(customer_id)
ORDER BY n.pinned DESC, n.created_at DESC, n.id DESC
LIMIT sqlc.arg(lim);

-- name: UpdateNote :exec
UPDATE customer_notes SET body = sqlc.arg(body), pinned = sqlc.arg(pinned), updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id);

-- name: DeleteNote :exec
DELETE FROM customer_notes WHERE id = sqlc.arg(id);

-- name: InsertConsentEvent :one
INSERT INTO consent_events (customer_id, purpose, channel, status, source, proof, ip, recorded_by, occurred_at, created_at)
VALUES (sqlc.arg(customer_id), sqlc.arg(purpose), sqlc.arg(channel), sqlc.arg(status), sqlc.arg(source), sqlc.arg(proof),
    sqlc.arg(ip), sqlc.narg(recorded_by), sqlc.arg(occurred_at), sqlc.arg(created_at))
RETURNING id;

-- name: ListConsentEvents :many
SELECT e.id, e.customer_id, e.purpose, e.channel, e.status, e.source, e.proof, e.ip, e.recorded_by,
    COALESCE(u.name, '') AS recorded_by_name, e.occurred_at, e.created_at
FROM consent_events e LEFT JOIN users u ON u.id = e.recorded_by
WHERE e.customer_id = sqlc.arg(customer_id)
ORDER BY e.occurred_at DESC, e.id DESC
LIMIT 1000;

-- name: ListLiveCustomerIDsByContact :many
SELECT DISTINCT c.id FROM contact_points p JOIN customers c ON c.id = p.customer_id
WHERE p.kind = sqlc.arg(kind) AND p.value = sqlc.arg(value) AND c.deleted_at IS NULL
ORDER BY c.id LIMIT 20;

-- name: InsertRelationship :one
INSERT INTO customer_relationships (from_customer, to_customer, kind, role, created_by, created_at)
VALUES (sqlc.arg(from_customer), sqlc.arg(to_customer), sqlc.arg(kind), sqlc.arg(role), sqlc.narg(created_by), sqlc.arg(created_at))
RETURNING id;

-- name: ListRelationships :many
SELECT r.id, r.from_customer, r.to_customer, r.kind, r.role, r.created_at,
    f.display_name AS from_name, t.display_name AS to_name, f.owner_id AS from_owner, f.team_id AS from_team,
    t.owner_id AS to_owner, t.team_id AS to_team
FROM customer_relationships r
JOIN customers f ON f.id = r.from_customer
JOIN customers t ON t.id = r.to_customer
WHERE (r.from_customer = sqlc.arg(customer_id) OR r.to_customer = sqlc.arg(customer_id))
  AND f.deleted_at IS NULL AND t.deleted_at IS NULL
ORDER BY r.id
LIMIT 500;

-- name: FindRelationship :one
SELECT id, from_customer, to_customer, kind, role, created_by, created_at FROM customer_relationships WHERE id = sqlc.arg(id);

-- name: DeleteRelationship :exec
DELETE FROM customer_relationships WHERE id = sqlc.arg(id);

-- name: InsertHousehold :one
INSERT INTO households (name, created_by, created_at) VALUES (sqlc.arg(name), sqlc.narg(created_by), sqlc.arg(created_at))
RETURNING id;

-- name: FindHousehold :one
SELECT id, name, created_by, created_at FROM households WHERE id = sqlc.arg(id);

-- name: InsertHouseholdMember :exec
INSERT INTO household_members (household_id, customer_id, is_head, joined_at)
VALUES (sqlc.arg(household_id), sqlc.arg(customer_id), sqlc.arg(is_head), sqlc.arg(joined_at));

-- name: DeleteHouseholdMember :execrows
DELETE FROM household_members WHERE household_id = sqlc.arg(household_id) AND customer_id = sqlc.arg(customer_id);

-- name: ClearHouseholdHead :exec
UPDATE household_members SET is_head = FALSE WHERE household_id = sqlc.arg(household_id);

-- name: SetHouseholdHead :execrows
UPDATE household_members SET is_head = TRUE WHERE household_id = sqlc.arg(household_id) AND customer_id = sqlc.arg(customer_id);

-- name: FindHouseholdOfCustomer :one
SELECT household_id FROM household_members WHERE customer_id = sqlc.arg(customer_id);

-- name: ListHouseholdMembers :many
SELECT m.customer_id, m.is_head, m.joined_at, c.display_name, c.owner_id, c.team_id
FROM household_members m JOIN customers c ON c.id = m.customer_id
WHERE m.household_id = sqlc.arg(household_id) AND c.deleted_at IS NULL
ORDER BY m.is_head DESC, c.display_name, c.id;
