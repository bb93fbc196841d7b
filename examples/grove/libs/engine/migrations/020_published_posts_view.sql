-- Migration 020: View of published posts on active tenants, used by feeds and sitemaps.

CREATE VIEW published_posts AS
SELECT
  p.id,
  p.tenant_id,
  t.subdomain,
  t.display_name AS tenant_name,
  p.slug,
  p.title,
  p.description,
  p.tags,
  p.featured_image,
  p.reading_time_minutes,
  p.published_at,
  p.updated_at
FROM posts AS p
JOIN tenants AS t ON t.id = p.tenant_id
WHERE p.status = 'published'
  AND p.published_at IS NOT NULL
  AND t.active = 1;
