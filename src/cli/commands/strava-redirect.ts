/** Strava accepts `localhost` as a redirect for any application: the code is then in the address bar. */
export const CLI_REDIRECT = 'http://localhost/exchange_token';
