-- +goose Up
-- Recommendations: a one-time product (a sofa, a lifetime licence) is
-- never recommended to a customer who owns it; buyers is how many
-- customers have bought a product (popularity, kept by the model build);
-- product_neighbours holds each product's most similar products by
-- item-to-item collaborative filtering on order history.
ALTER TABLE products ADD COLUMN one_time BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE products ADD COLUMN buyers INTEGER NOT NULL DEFAULT 0;
CREATE INDEX products_buyers ON products (buyers);

CREATE TABLE product_neighbours (
    product_id   INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    neighbour_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    score        REAL NOT NULL,
    together     INTEGER NOT NULL,
    PRIMARY KEY (product_id, neighbour_id)
);

CREATE TABLE rec_models (
    id        INTEGER PRIMARY KEY,
    built_at  TIMESTAMP NOT NULL,
    customers INTEGER NOT NULL,
    products  INTEGER NOT NULL,
    pairs     INTEGER NOT NULL
);

-- +goose Down
DROP TABLE rec_models;
DROP TABLE product_neighbours;
DROP INDEX products_buyers;
ALTER TABLE products DROP COLUMN buyers;
ALTER TABLE products DROP COLUMN one_time;
