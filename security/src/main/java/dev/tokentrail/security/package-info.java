/**
 * Who may call TokenTrail's ports and for which tenant, and how much each tenant may use: bearer
 * tokens from a file that is reloaded when it changes, Tempo's {@code X-Scope-OrgID}, the Armeria
 * decorators that check them on every port, {@link dev.tokentrail.security.RequestTenant}, through
 * which the services behind them read the tenant a request acts for, per-tenant limits ({@link
 * dev.tokentrail.security.TenantLimits}) and the ports' TLS identity from reloaded PEM files
 * ({@link dev.tokentrail.security.PemTls}).
 */
package dev.tokentrail.security;
