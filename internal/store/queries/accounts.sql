-- name: CreateTeam :one
INSERT INTO teams (name, created_at) VALUES (sqlc.arg(name), sqlc.arg(created_at))
RETURNING id;

-- name: ListTeams :many
SELECT id, name, created_at FROM teams ORDER BY name;

-- name: FindTeam :one
SELECT id, name, created_at FROM teams WHERE id = sqlc.arg(id);

-- name: CreateUser :one
INSERT INTO users (email, name, role, team_id, password_hash, active, created_at, updated_at)
VALUES (sqlc.arg(email), sqlc.arg(name), sqlc.arg(role), sqlc.narg(team_id), sqlc.arg(password_hash), TRUE,
        sqlc.arg(created_at), sqlc.arg(created_at))
RETURNING id;

-- name: FindUser :one
SELECT id, email, name, role, team_id, password_hash, active, created_at, updated_at
FROM users WHERE id = sqlc.arg(id);

-- name: FindUserByEmail :one
SELECT id, email, name, role, team_id, password_hash, active, created_at, updated_at
FROM users WHERE email = sqlc.arg(email);

-- name: ListUsers :many
SELECT id, email, name, role, team_id, password_hash, active, created_at, updated_at
FROM users ORDER BY name, id;

-- name: CountUsers :one
SELECT COUNT(*) FROM users;

-- name: UpdateUserPassword :exec
UPDATE users SET password_hash = sqlc.arg(password_hash), updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id);

-- name: UpdateUserAccess :exec
UPDATE users SET role = sqlc.arg(role), team_id = sqlc.narg(team_id), active = sqlc.arg(active),
    updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id);

-- name: UpdateUserName :exec
UPDATE users SET name = sqlc.arg(name), updated_at = sqlc.arg(updated_at) WHERE id = sqlc.arg(id);

-- name: CreateSession :exec
INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
VALUES (sqlc.arg(token_hash), sqlc.arg(user_id), sqlc.arg(created_at), sqlc.arg(created_at),
        sqlc.arg(expires_at), sqlc.arg(ip), sqlc.arg(user_agent));

-- name: FindSession :one
SELECT token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent
FROM sessions WHERE token_hash = sqlc.arg(token_hash);

-- name: TouchSession :exec
UPDATE sessions SET last_seen_at = sqlc.arg(last_seen_at) WHERE token_hash = sqlc.arg(token_hash);

-- name: DeleteSession :exec
DELETE FROM sessions WHERE token_hash = sqlc.arg(token_hash);

-- name: DeleteUserSessions :exec
DELETE FROM sessions WHERE user_id = sqlc.arg(user_id) AND token_hash <> sqlc.arg(keep_token_hash);

-- name: DeleteExpiredSessions :exec
DELETE FROM sessions WHERE expires_at < sqlc.arg(now);

-- name: CreateAPIToken :one
INSERT INTO api_tokens (user_id, name, token_hash, created_at)
VALUES (sqlc.arg(user_id), sqlc.arg(name), sqlc.arg(token_hash), sqlc.arg(created_at))
RETURNING id;

-- name: ListAPITokens :many
SELECT id, user_id, name, token_hash, created_at, last_used_at, revoked_at
FROM api_tokens WHERE user_id = sqlc.arg(user_id) ORDER BY id DESC;

-- name: RevokeAPIToken :execrows
UPDATE api_tokens SET revoked_at = sqlc.arg(revoked_at)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND revoked_at IS NULL;

-- name: RevokeUserAPITokens :exec
UPDATE api_tokens SET revoked_at = sqlc.arg(revoked_at)
WHERE user_id = sqlc.arg(user_id) AND revoked_at IS NULL;

-- name: TouchAPIToken :exec
UPDATE api_tokens SET last_used_at = sqlc.arg(last_used_at) WHERE id = sqlc.arg(id);

-- name: CreateInvite :one
INSERT INTO user_invites (email, role, team_id, token_hash, created_by, created_at, expires_at)
VALUES (sqlc.arg(email), sqlc.arg(role), sqlc.narg(team_id), sqlc.arg(token_hash), sqlc.arg(created_by),
        sqlc.arg(created_at), sqlc.arg(expires_at))
RETURNING id;

-- name: FindInviteByHash :one
SELECT id, email, role, team_id, token_hash, created_by, created_at, expires_at, used_at
FROM user_invites WHERE token_hash = sqlc.arg(token_hash);

-- name: SupersedeInvites :exec
UPDATE user_invites SET used_at = sqlc.arg(used_at) WHERE email = sqlc.arg(email) AND used_at IS NULL;

-- name: UseInvite :execrows
UPDATE user_invites SET used_at = sqlc.arg(used_at) WHERE id = sqlc.arg(id) AND used_at IS NULL;

-- name: RecordLoginAttempt :exec
INSERT INTO login_attempts (email, ip, succeeded, at)
VALUES (sqlc.arg(email), sqlc.arg(ip), sqlc.arg(succeeded), sqlc.arg(at));

-- name: CountLoginFailuresByEmail :one
SELECT COUNT(*) FROM login_attempts
WHERE email = sqlc.arg(email) AND succeeded = FALSE AND at > sqlc.arg(since);

-- name: CountLoginFailuresByIP :one
SELECT COUNT(*) FROM login_attempts
WHERE ip = sqlc.arg(ip) AND succeeded = FALSE AND at > sqlc.arg(since);

-- name: DeleteOldLoginAttempts :exec
DELETE FROM login_attempts WHERE at < sqlc.arg(before);

-- name: FindAPITokenUser :one
SELECT t.id AS token_id, t.revoked_at, t.last_used_at, u.id, u.email, u.name, u.role, u.team_id, u.active
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = sqlc.arg(token_hash);
