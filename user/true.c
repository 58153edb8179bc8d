/*
 * true: exits 0 and does nothing else: the small static binary that
 * bench's fork-exec-wait row runs (as /bin/true on Pagoda's root disk
 * and in make linux-guest's initramfs, so both kernels exec the same
 * file).
 */
int main(void)
{
	return 0;
}
