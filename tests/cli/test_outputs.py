from mwtest import done
done()
