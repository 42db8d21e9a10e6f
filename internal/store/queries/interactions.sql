-- name: InsertInteraction :one
INSERT INTO interactions (customer_id, channel, direction, subject, body, occurred_at, duration_seconds, handled_by,
    source, external_id, related_type, related_id, created_by, created_at)
VALUES (sqlc.arg(customer_id), sqlc.arg(channel), sqlc.arg(direction), sqlc.arg(subject), sqlc.arg(body),
    sqlc.arg(occurred_at), sqlc.narg(duration_seconds), sqlc.narg(handled_by), sqlc.arg(source), sqlc.narg(external_id),
    sqlc.arg(related_type), sqlc.narg(related_id), sqlc.narg(created_by), sqlc.arg(created_at))
RETURNING id;

-- name: FindInteraction :one
SELECT i.id, i.customer_id, i.channel, i.direction, i.subject, i.body, i.occurred_at, i.duration_seconds,
    i.handled_by, COALESCE(u.name, '') AS handled_by_name, i.source, i.external_id, i.related_type, i.related_id,
    i.created_by, i.created_at
FROM interactions i LEFT JOIN users u ON u.id = i.handled_by
WHERE i.id = sqlc.arg(id);

-- name: FindInteractionByExternalID :one
SELECT id FROM interactions WHERE source = sqlc.arg(source) AND external_id = sqlc.arg(external_id);
