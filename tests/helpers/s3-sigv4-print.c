/*
 * s3-sigv4-print - expose the S3 DAL's SigV4 signer and URI encoder
 * (dal_s3_sig.c) to the botocore oracle test
 * (tests/integration/s3-sigv4-oracle.sh).
 *
 *   s3-sigv4-print sign METHOD HOST PATH QUERY AMZDATE REGION AK SK
 *       the Authorization header for that request (PATH and QUERY as the
 *       DAL sends them: URI-encoded, query canonical), payload
 *       UNSIGNED-PAYLOAD as in every request the DAL makes;
 *   s3-sigv4-print enc STRING [slash]
 *       STRING URI-encoded as the DAL encodes keys (slash: keep '/').
 */
#include <stdio.h>
#include <string.h>

#include "dal_s3.h"

static int sign(char **a)
{
    struct s3_sigreq r = {
        .method = a[0], .host = a[1], .path = a[2], .query = a[3],
        .amz_date = a[4], .region = a[5], .access_key = a[6],
        .secret_key = a[7], .payload_hash = "UNSIGNED-PAYLOAD",
    };
    char auth[1024];
    if (s3_sigv4_auth(&r, auth, sizeof(auth)) < 0)
        return 1;
    puts(auth);
    return 0;
}

int main(int argc, char **argv)
{
    char out[4 * 1024];
    if (argc == 10 && strcmp(argv[1], "sign") == 0)
        return sign(argv + 2);
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "enc") == 0) {
        if (s3_uri_encode(argv[2], argc == 4, out, sizeof(out)) < 0)
            return 1;
        puts(out);
        return 0;
    }
    fprintf(stderr, "usage: s3-sigv4-print sign METHOD HOST PATH QUERY "
            "AMZDATE REGION ACCESS_KEY SECRET_KEY\n"
            "       s3-sigv4-print enc STRING [slash]\n");
    return 2;
}
