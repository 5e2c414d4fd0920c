import os
import shutil

import setuptools

# setuptools builds a wheel from build/lib and never prunes it: a module
# deleted from the package would be copied from there into the next wheel
# and installed again. Every build starts from the package as it is.
shutil.rmtree(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           'build', 'lib'), ignore_errors=True)

setuptools.setup(setup_requires=['pbr>=5.8.0'], pbr=True)
