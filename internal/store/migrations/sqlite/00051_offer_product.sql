-- +goose Up
-- An offer on a product holds only while the product is in stock (a
-- product without stock records counts as in stock).
ALTER TABLE offers ADD COLUMN product_sku TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE offers DROP COLUMN product_sku;
