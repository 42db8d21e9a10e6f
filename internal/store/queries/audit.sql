-- name: LastAuditHash :one
SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1;

-- name: InsertAudit :one
INSERT INTO audit_log (at, actor_id, actor_label, action, entity_type, entity_id, customer_id, changes, ip,
    request_id, prev_hash, hash)
VALUES (sqlc.arg(at), sqlc.narg(actor_id), sqlc.arg(actor_label), sqlc.arg(action), sqlc.arg(entity_type),
    sqlc.narg(entity_id), sqlc.narg(customer_id), sqlc.arg(changes), sqlc.arg(ip), sqlc.arg(request_id),
    sqlc.arg(prev_hash), sqlc.arg(hash))
RETURNING id;

-- name: ListAudit :many
SELECT id, at, actor_id, actor_label, action, entity_type, entity_id, customer_id, changes, ip, request_id,
    prev_hash, hash
FROM audit_log
WHERE (CAST(sqlc.narg(before_id) AS BIGINT) IS NULL OR id < sqlc.narg(before_id))
  AND (CAST(sqlc.narg(actor_id) AS BIGINT) IS NULL OR actor_id = sqlc.narg(actor_id))
  AND (CAST(sqlc.narg(entity_type) AS TEXT) IS NULL OR entity_type = sqlc.narg(entity_type))
  AND (CAST(sqlc.narg(entity_id) AS BIGINT) IS NULL OR entity_id = sqlc.narg(entity_id))
  AND (CAST(sqlc.narg(action) AS TEXT) IS NULL OR action = sqlc.narg(action))
  AND (CAST(sqlc.narg(customer_id) AS BIGINT) IS NULL OR customer_id = sqlc.narg(customer_id))
ORDER BY id DESC
LIMIT sqlc.arg(lim);

-- name: ListAuditAscending :many
SELECT id, at, actor_id, actor_label, action, entity_type, entity_id, customer_id, changes, ip, request_id,
    prev_hash, hash
FROM audit_log WHERE id > sqlc.arg(after_id) ORDER BY id LIMIT sqlc.arg(lim);

-- name: FindIdempotencyKey :one
SELECT user_id, idem_key, request_hash, status_code, response_body, created_at
FROM idempotency_keys WHERE user_id = sqlc.arg(user_id) AND idem_key = sqlc.arg(idem_key);

-- name: ReserveIdempotencyKey :execrows
INSERT INTO idempotency_keys (user_id, idem_key, request_hash, status_code, response_body, created_at)
VALUES (sqlc.arg(user_id), sqlc.arg(idem_key), sqlc.arg(request_hash), 0, '', sqlc.arg(created_at))
ON CONFLICT (user_id, idem_key) DO NOTHING;

-- name: CompleteIdempotencyKey :exec
UPDATE idempotency_keys SET status_code = sqlc.arg(status_code), response_body = sqlc.arg(response_body)
WHERE user_id = sqlc.arg(user_id) AND idem_key = sqlc.arg(idem_key);

-- name: ReleaseIdempotencyKey :exec
DELETE FROM idempotency_keys WHERE user_id = sqlc.arg(user_id) AND idem_key = sqlc.arg(idem_key);

-- name: DeleteOldIdempotencyKeys :exec
DELETE FROM idempotency_keys WHERE created_at < sqlc.arg(before);
