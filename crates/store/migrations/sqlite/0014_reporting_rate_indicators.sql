-- Reporting-rate indicators: what Vantage counts for an indicator of its own from the reporting calendar
-- (`reports_expected`, `reports_received`, `reports_on_time`); NULL for an indicator someone reports.
ALTER TABLE indicators ADD COLUMN computed TEXT;
